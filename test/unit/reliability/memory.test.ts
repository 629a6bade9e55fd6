// Reliability catalogue, memory: an input too large for the memory a run may use is refused up front with what it
// needs and what fits, through the engine as the extension host drives it; and how that memory is measured.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { detectProviderEnvironment } from '../../../src/core/engine/providerEnvironment';
import { measureAvailableMemory } from '../../../src/core/engine/runMemory';
import { InferenceEngine } from '../../../src/core/worker/inferenceEngine';
import { inspectText, selfSet } from '../../support/engine';
import { copyFixture, rejectsWith, request, tempDir, workerPath } from './support';

const env = detectProviderEnvironment();
const OPTIONS = { attention: true, topK: 5 };

describe('reliability: an input too large for memory', () => {
  let tmp: ReturnType<typeof tempDir>;
  let folder: string;
  const engines: InferenceEngine[] = [];
  /** An engine on tiny-gpt2 whose config claims 100,000 positions, told that `bytes` of memory are available. */
  async function engineWith(bytes: number): Promise<InferenceEngine> {
    const engine = new InferenceEngine({ workerPath, environment: env, availableMemoryBytes: bytes });
    engines.push(engine);
    await engine.load(request('gpt2-100k-positions', folder));
    return engine;
  }
  before(() => {
    tmp = tempDir('oom');
    // The model's own limit no longer cuts a long input.
    folder = copyFixture('tiny-gpt2', tmp.dir, 'gpt2-100k-positions');
    const configFile = path.join(folder, 'config.json');
    const config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
    fs.writeFileSync(configFile, JSON.stringify({ ...config, n_positions: 100_000, n_ctx: 100_000 }));
  });
  after(async () => {
    await Promise.all(engines.map((e) => e.dispose()));
    tmp.cleanup();
  });

  it(
    '42,000 tokens with 4 GB available are refused up front with what they need and what can be used, ' +
      'without allocating it; the worker stays usable',
    async () => {
      const engine = await engineWith(4 * 1024 ** 3);
      const text = 'hello world\n'.repeat(14_000); // GPT-2: "hello", " world", "\n" per line
      const tokens = 42_000;
      // Independent of the core's estimate: logits (S × V), 16 activations of S × d per layer, and with attention
      // what the run keeps per layer (queries and keys, S × d each, and an S × S mask) and one layer of 4 heads' maps, twice.
      const logits = tokens * 50257 * 4;
      const activations = 16 * tokens * 32 * 4 * 3;
      const maps = 3 * (2 * tokens * 32 + tokens * tokens) * 4 + 2 * 4 * tokens * tokens * 4;
      const gb = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(2)} GB`;
      const usable = '3.00 GB can be used (75 % of the 4.00 GB given to the engine)';
      const rssBefore = process.memoryUsage().rss;
      const started = performance.now();
      await rejectsWith(
        inspectText(engine, text, OPTIONS),
        'input-too-large',
        new RegExp(
          `^Inspecting ${tokens} tokens with every attention map would need about ${gb(logits + activations + maps).replace('.', '\\.')} ` +
            `of memory, but ${usable.replace(/[.()]/g, '\\$&')}; ` +
            'at most \\d+ tokens fit with attention maps, \\d+ without: select less text, lower attentionLens\\.maxTokens, or inspect ' +
            'without attention maps \\(as the command line does unless given --attention\\)\\.$',
        ),
      );
      await rejectsWith(
        inspectText(engine, text, { ...OPTIONS, attention: false }),
        'input-too-large',
        new RegExp(
          `^Inspecting ${tokens} tokens would need about ${gb(logits + activations).replace('.', '\\.')} of memory, ` +
            `but ${usable.replace(/[.()]/g, '\\$&')}; at most \\d+ tokens fit: select less text or lower attentionLens\\.maxTokens\\.$`,
        ),
      );
      assert.ok(performance.now() - started < 20_000, 'refused without running');
      assert.ok(process.memoryUsage().rss - rssBefore < 512 * 1024 ** 2, 'nothing near the estimate was allocated');
      const small = await inspectText(engine, 'hello world', OPTIONS);
      assert.equal(small.tokens.length, 2);
    },
  );

  it(
    'with 12 MB available, the token counts the refusal names are exact: ' +
      'that many run, one more is refused, with and without attention',
    async () => {
      const engine = await engineWith(12 * 1024 ** 2);
      // 60 tokens: what fits must stay under the 64 positions the model really has.
      const text = 'hello world\n'.repeat(20);
      const refused =
        '^Inspecting 60 tokens with every attention map would need about [\\d.]+ MB of memory, but 9\\.0 MB can be used ' +
        '\\(75 % of the 12\\.0 MB given to the engine\\); at most (\\d+) tokens fit with attention maps, (\\d+) without';
      const refusal = await rejectsWith(inspectText(engine, text, OPTIONS), 'input-too-large', new RegExp(refused));
      const [withMaps, withoutMaps] = /at most (\d+) tokens fit with attention maps, (\d+) without/
        .exec(refusal.message)!
        .slice(1)
        .map(Number);
      assert.ok(withMaps > 2 && withMaps < withoutMaps && withoutMaps < 60, `${withMaps} with attention, ${withoutMaps} without`);
      const fits = await inspectText(engine, text, { ...OPTIONS, maxTokens: withMaps });
      const fitted = selfSet(fits.attention);
      assert.deepEqual([fits.tokens.length, fitted.queries, fitted.keys], [withMaps, withMaps, withMaps]);
      const tooMany = inspectText(engine, text, { ...OPTIONS, maxTokens: withMaps + 1 });
      await rejectsWith(tooMany, 'input-too-large', new RegExp(`^Inspecting ${withMaps + 1} tokens with every attention map `));
      const plain = await inspectText(engine, text, { ...OPTIONS, attention: false, maxTokens: withoutMaps });
      assert.deepEqual([plain.tokens.length, plain.attention], [withoutMaps, undefined]);
      await rejectsWith(
        inspectText(engine, text, { ...OPTIONS, attention: false, maxTokens: withoutMaps + 1 }),
        'input-too-large',
        new RegExp(
          `^Inspecting ${withoutMaps + 1} tokens would need .*; at most ${withoutMaps} tokens fit: select less text or lower ` +
            `attentionLens\\.maxTokens\\.$`,
        ),
      );
    },
  );

  it(
    'with almost nothing available, even one token is refused with ' +
      '"close other programs to free memory", a masked LM\'s unmasked top-k too',
    async () => {
      const bert = new InferenceEngine({ workerPath, environment: env, availableMemoryBytes: 100_000 });
      engines.push(bert);
      await bert.load(request('tiny-bert'));
      // The refused inspect still names the run's text, so the unmasked request is measured (and refused) too.
      const run = bert.nextRunId();
      const noToken = /^Inspecting 3 tokens would need about .*; not even one token fits/;
      const plain = { ...OPTIONS, attention: false };
      await rejectsWith(bert.request('inspect', { run, text: 'hello', options: plain }), 'input-too-large', noToken);
      await rejectsWith(bert.request('unmasked', { run, topK: 5 }), 'input-too-large', noToken);
      const engine = await engineWith(100_000);
      await rejectsWith(
        inspectText(engine, 'hello', OPTIONS),
        'input-too-large',
        new RegExp(
          String.raw`^Inspecting 1 tokens with every attention map would need about [\d.]+ KB of memory, but 73\.2 KB can be used ` +
            String.raw`\(75 % of the 97\.7 KB given to the engine\); not even one token fits: close other programs to free memory, ` +
            String.raw`then inspect again\.$`,
        ),
      );
    },
  );
});

describe('reliability: the memory a run may use', () => {
  it('is what the machine has free where no container limit leaves less (this machine has none)', () => {
    const measured = measureAvailableMemory();
    const hasLimit = ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes'].some(
      (f) => fs.existsSync(f) && /^\d+$/.test(fs.readFileSync(f, 'utf8').trim()) && Number(fs.readFileSync(f, 'utf8')) < os.totalmem(),
    );
    if (hasLimit) assert.ok(measured.bytes <= os.freemem() + 64 * 1024 ** 2);
    else assert.equal(measured.source, 'free on this machine');
    assert.ok(measured.bytes > 0 && measured.bytes <= os.totalmem(), String(measured.bytes));
  });
});
