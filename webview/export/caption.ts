// What an exported picture says about itself: a title (model, view, layer/head), the part of its file name that
// names what is inside, and the colour scale its view needs to be read on paper.
import { headName, layerSuffix, predictionList, predictionTokens, type RunSummary, type TokenView } from '../../src/protocol';
import type { UiState } from '../state';
import { tokenLabel } from '../views/describe';

/** How the head view maps heads to colour (the heatmap views draw their own colour bars). */
export interface ColourScale {
  kind: 'heads';
  label: string;
  heads: number[];
}

export interface Caption {
  title: string;
  /** e.g. "head-view_L3_H0+2"; the host prefixes the model (EXPORT_NAME's characters only). */
  name: string;
  scale: ColourScale | null;
}

export type ExportedView = 'tokens' | 'head' | 'model' | 'matrix' | 'predictions' | 'lens' | 'compare' | 'sidebar';

function headPart(s: RunSummary, head: number | 'mean'): { text: string; slug: string } {
  return { text: headName(s.model, head), slug: head === 'mean' ? 'mean' : `H${head}` };
}

/** "layer 3", or "layer 3 · sliding window 4" for a sliding-window layer. */
function layerText(s: RunSummary, layer: number): string {
  return `layer ${layer}${layerSuffix(s.model, layer)}`;
}

/** The shown attention set, named only when the run has several (a one-set run's captions are as they were). */
function setPart(s: RunSummary, state: UiState): { text: string; slug: string; layers: number; heads: number } {
  const set = s.attentionSets.find((a) => a.name === state.set) ?? s.attentionSets[0];
  const { layers, heads } = set ?? s.model;
  const named = s.attentionSets.length > 1 && set !== undefined;
  return { text: named ? ` · ${set.label}` : '', slug: named ? `_${set.name}` : '', layers, heads };
}

/** The selected token of a list; `word` names the list where it is not the input ("target "). */
function tokenPart(tokens: TokenView[], selected: number | null, word = ''): { text: string; slug: string } {
  return selected === null || !tokens[selected]
    ? { text: '', slug: '' }
    : { text: ` · ${word}token #${selected} ${JSON.stringify(tokenLabel(tokens[selected]))}`, slug: `_T${selected}` };
}

/** The caption of `view` as it shows now. The matrix and the model view draw their own colour bars, so their figures add none. */
export function captionFor(view: ExportedView, s: RunSummary, state: UiState): Caption {
  const model = s.model.id;
  const set = setPart(s, state);
  switch (view) {
    case 'tokens':
      return { title: `${model} · Tokens · ${s.tokens.length} tokens`, name: 'tokens', scale: null };
    case 'head': {
      const heads = state.heads.filter((h) => h < set.heads);
      const all = heads.length === set.heads;
      const shown = all ? 'all heads' : `head${heads.length > 1 ? 's' : ''} ${heads.join(', ')}`;
      return {
        title: `${model} · Head view${set.text} · ${layerText(s, state.layer)} · ${shown}`,
        name: `head-view${set.slug}_L${state.layer}${all ? '' : `_H${heads.join('+')}`}`,
        scale: { kind: 'heads', label: 'line opacity grows with the attention weight (√ scale)', heads },
      };
    }
    case 'model':
      // Several sets are exported together (ModelView.exportCanvas): the caption names them all.
      if (s.attentionSets.length > 1) {
        const sets = s.attentionSets.map((a) => a.label).join(', ');
        const target = s.target ? ` + ${s.target.tokens.length} target tokens` : '';
        return { title: `${model} · Model view · ${sets} · ${s.tokens.length} tokens${target}`, name: 'model-view_all-sets', scale: null };
      }
      return {
        title: `${model} · Model view${set.text} · ${set.layers} layers × ${set.heads} heads · ${s.tokens.length} tokens`,
        name: `model-view${set.slug}`,
        scale: null,
      };
    case 'matrix': {
      const head = headPart(s, state.head);
      const title = `${model} · Attention matrix${set.text} · ${layerText(s, state.layer)} · ${head.text}`;
      return { title, name: `matrix${set.slug}_L${state.layer}_${head.slug}`, scale: null };
    }
    case 'predictions': {
      // An encoder–decoder run's predictions are at its target's tokens.
      const target = predictionList(s) === 'target';
      const token = tokenPart(predictionTokens(s), target ? state.targetSelected : state.selected, target ? 'target ' : '');
      return { title: `${model} · Predictions${token.text}`, name: `predictions${token.slug}`, scale: null };
    }
    case 'lens':
      return { title: `${model} · Logit lens · ${s.model.layers} layers`, name: 'logit-lens', scale: null };
    case 'compare': {
      const head = headPart(s, state.head);
      const title = `${model} · Two runs compared${set.text} · ${layerText(s, state.layer)} · ${head.text}`;
      return { title, name: `run-comparison${set.slug}_L${state.layer}_${head.slug}`, scale: null };
    }
    case 'sidebar': {
      const head = headPart(s, state.head);
      const token = tokenPart(s.tokens, state.selected);
      const title = `${model} · Side view${set.text} · ${layerText(s, state.layer)} · ${head.text}${token.text}`;
      return { title, name: `side-view${set.slug}_L${state.layer}_${head.slug}${token.slug}`, scale: null };
    }
  }
}
