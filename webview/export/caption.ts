// What an exported picture says about itself: a title (model, view, layer/head), the part of its file name that
// names what is inside, and the colour scale its view needs to be read on paper.
import type { RunSummary } from '../../src/protocol';
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

export type ExportedView = 'tokens' | 'head' | 'model' | 'matrix' | 'predictions' | 'sidebar';

function headName(head: number | 'mean'): { text: string; slug: string } {
  return head === 'mean' ? { text: 'mean of heads', slug: 'mean' } : { text: `head ${head}`, slug: `H${head}` };
}

function tokenPart(s: RunSummary, selected: number | null): { text: string; slug: string } {
  return selected === null || !s.tokens[selected] ? { text: '', slug: '' } : { text: ` · token #${selected} ${JSON.stringify(tokenLabel(s.tokens[selected]))}`, slug: `_T${selected}` };
}

/** The caption of `view` as it shows now. The matrix and the model view draw their own colour bars, so their figures add none. */
export function captionFor(view: ExportedView, s: RunSummary, state: UiState): Caption {
  const model = s.model.id;
  const m = s.model;
  switch (view) {
    case 'tokens':
      return { title: `${model} · Tokens · ${s.tokens.length} tokens`, name: 'tokens', scale: null };
    case 'head': {
      const heads = state.heads.filter((h) => h < m.heads);
      const all = heads.length === m.heads;
      return {
        title: `${model} · Head view · layer ${state.layer} · ${all ? 'all heads' : `head${heads.length > 1 ? 's' : ''} ${heads.join(', ')}`}`,
        name: `head-view_L${state.layer}${all ? '' : `_H${heads.join('+')}`}`,
        scale: { kind: 'heads', label: 'line opacity grows with the attention weight (√ scale)', heads },
      };
    }
    case 'model':
      return {
        title: `${model} · Model view · ${m.layers} layers × ${m.heads} heads · ${s.tokens.length} tokens`,
        name: 'model-view',
        scale: null,
      };
    case 'matrix': {
      const head = headName(state.head);
      return { title: `${model} · Attention matrix · layer ${state.layer} · ${head.text}`, name: `matrix_L${state.layer}_${head.slug}`, scale: null };
    }
    case 'predictions': {
      const token = tokenPart(s, state.selected);
      return { title: `${model} · Predictions${token.text}`, name: `predictions${token.slug}`, scale: null };
    }
    case 'sidebar': {
      const head = headName(state.head);
      const token = tokenPart(s, state.selected);
      return { title: `${model} · Side view · layer ${state.layer} · ${head.text}${token.text}`, name: `side-view_L${state.layer}_${head.slug}${token.slug}`, scale: null };
    }
  }
}
