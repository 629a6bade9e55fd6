// Reliability catalogue, hostile files: each defect the fuzz tier (test/fuzz/) found, as the smallest file that
// shows it. Every test here failed before its fix.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { extractEntry, readZipEntries, ZipError } from '../../../src/core/gpu/zipReader';
import { MAX_GRAPH_ENTRIES, MAX_SUBGRAPH_DEPTH } from '../../../src/core/onnx/graphScan';
import { readModelGraph } from '../../../src/core/onnx/modelGraph';
import { MessageWriter } from '../../../src/core/onnx/protobuf';
import { loadTextTokenizer } from '../../../src/core/tokenize/textTokenizer';
import { LensError } from '../../../src/core/types';
import { nestedSubgraphs } from '../../fuzz/onnxMutations';
import { makeZip } from '../../support/zipWriter';
import { copyFixture, rejectsWith, tempDir } from './support';

async function zipRejects(promise: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ZipError, `expected a ZipError, got ${(error as Error).stack}`);
    assert.equal(error.name, 'ZipError');
    assert.match(error.message, message);
    return true;
  });
}

describe('reliability: hostile files (found by the fuzz tier)', () => {
  let tmp: ReturnType<typeof tempDir>;
  before(() => (tmp = tempDir('hostile')));
  after(() => tmp.cleanup());

  it(
    `an ONNX graph whose If subgraphs nest 5,000 deep is refused as nesting deeper than ${MAX_SUBGRAPH_DEPTH} levels, not with a stack ` +
      `overflow (onnx fuzz seed 20261202 case 5)`,
    async () => {
      const file = path.join(tmp.dir, 'deep.onnx');
      const model = new MessageWriter()
        .varint(1, 8)
        .message(7, new MessageWriter().encoded(nestedSubgraphs(5_000)))
        .finish();
      fs.writeFileSync(file, model);
      await rejectsWith(
        readModelGraph(file, 'onnx/model.onnx'),
        'model-invalid',
        `cannot read onnx/model.onnx: its subgraphs nest deeper than ${MAX_SUBGRAPH_DEPTH} levels, which no real export does`,
      );
    },
  );

  it(
    'the skeleton of a graph of 300,000 empty nodes ' + '(a 4 MB file) takes under 2 × the file + 48 MB (a view per node took 155 MB)',
    async () => {
      const file = path.join(tmp.dir, 'many.onnx');
      const node = new MessageWriter().message(1, new MessageWriter().string(4, 'Identity')).finish();
      const nodes = Buffer.alloc(node.length * 300_000);
      for (let i = 0; i < 300_000; i++) nodes.set(node, i * node.length);
      fs.writeFileSync(file, new MessageWriter().varint(1, 8).message(7, new MessageWriter().encoded(nodes)).finish());
      const size = fs.statSync(file).size;
      // Measured in a fresh process that has loaded the reader and read nothing yet: there, a new peak of RSS is
      // this read's own (in this test process, earlier tests' peaks would be counted too).
      const skeletonModule = path.join(__dirname, '..', '..', '..', 'src', 'core', 'onnx', 'modelSkeleton.js');
      const script = `const { readModelSkeleton } = require(${JSON.stringify(skeletonModule)});
      const before = process.memoryUsage().rss;
      readModelSkeleton(${JSON.stringify(file)}).then((s) =>
        console.log(JSON.stringify({ length: s.length, growth: process.resourceUsage().maxRSS * 1024 - before })));`;
      const { length, growth } = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as {
        length: number;
        growth: number;
      };
      assert.equal(length, size, 'a model without weights is its own skeleton');
      assert.ok(
        growth < 2 * size + 48 * 1024 ** 2,
        `peak RSS rose ${(growth / 1024 ** 2).toFixed(0)} MB reading a ${(size / 1024 ** 2).toFixed(0)} MB file`,
      );
    },
  );

  it(`a node with 600,000 inputs (a 2 MB file) is refused as having more than ${MAX_GRAPH_ENTRIES} nodes, inputs and outputs`, async () => {
    const file = path.join(tmp.dir, 'wide.onnx');
    const input = new MessageWriter().string(1, 'x').finish();
    const inputs = Buffer.alloc(input.length * 600_000);
    for (let i = 0; i < 600_000; i++) inputs.set(input, i * input.length);
    const node = new MessageWriter().string(4, 'Concat').encoded(inputs);
    fs.writeFileSync(file, new MessageWriter().varint(1, 8).message(7, new MessageWriter().message(1, node)).finish());
    await rejectsWith(
      readModelGraph(file, 'onnx/model.onnx'),
      'model-invalid',
      `cannot read onnx/model.onnx: it has more than ${MAX_GRAPH_ENTRIES} nodes, inputs and outputs, far more than any real export`,
    );
  });

  it(`subgraphs nested ${MAX_SUBGRAPH_DEPTH} deep are still read`, async () => {
    const file = path.join(tmp.dir, 'nested.onnx');
    fs.writeFileSync(file, new MessageWriter().message(7, new MessageWriter().encoded(nestedSubgraphs(MAX_SUBGRAPH_DEPTH))).finish());
    const { graph } = await readModelGraph(file, 'onnx/model.onnx');
    assert.deepEqual(
      graph.nodes.map((n) => n.opType),
      ['If'],
    );
    assert.deepEqual([...graph.subgraphOpTypes], ['If']);
  });

  it(
    'a zip64 extra field whose length runs past its entry is a ZipError, ' +
      'not a RangeError from the buffer (zip seed 20261202 case 450)',
    async () => {
      const zip = makeZip([{ name: 'a.so', data: Buffer.alloc(100, 1) }], { zip64: true });
      const central = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
      zip.writeUInt16LE(27, central + 30 + 0); // the central entry's extra length: 27 of its 28 bytes …
      zip.writeUInt16LE(24 + 8, central + 46 + 4 + 2); // … while the zip64 field inside claims 32
      const file = path.join(tmp.dir, 'extra.zip');
      fs.writeFileSync(file, zip);
      await zipRejects(readZipEntries(file), /^corrupt extra field: it runs past its entry$/);
    },
  );

  it('a stored entry recording more bytes than it holds is refused before a byte is written', async () => {
    const file = path.join(tmp.dir, 'stored.zip');
    fs.writeFileSync(file, makeZip([{ name: 'lib.so', data: Buffer.alloc(1000, 2) }]));
    const [entry] = await readZipEntries(file);
    const dest = path.join(tmp.dir, 'stored.out');
    await zipRejects(
      extractEntry(file, { ...entry, size: 2 ** 40 }, dest),
      /^lib\.so is stored uncompressed but records 1099511627776 bytes in 1000$/,
    );
    assert.equal(fs.existsSync(dest), false, 'nothing was written');
  });

  it(
    'a deflated entry recording more than 1032 times its compressed size ' +
      '(more than deflate can make) is refused before a byte is written',
    async () => {
      const file = path.join(tmp.dir, 'bomb.zip');
      fs.writeFileSync(file, makeZip([{ name: 'lib.so', data: Buffer.alloc(100_000, 0), deflate: true }]));
      const [entry] = await readZipEntries(file);
      const dest = path.join(tmp.dir, 'bomb.out');
      await zipRejects(
        extractEntry(file, { ...entry, size: entry.compressedSize * 1032 + 1 }, dest),
        /^lib\.so records \d+ bytes, more than deflate can make of its \d+$/,
      );
      assert.equal(fs.existsSync(dest), false, 'nothing was written');
      assert.match(await extractEntry(file, entry, dest), /^[0-9a-f]{64}$/, 'the honest entry extracts');
    },
  );

  it(
    'tokenizer.json with an added token that lacks its content names the file and the token, ' +
      "not the library's TypeError (model seed 7 case 47)",
    async () => {
      const folder = copyFixture('tiny-bert', tmp.dir, 'no-content');
      const file = path.join(folder, 'tokenizer.json');
      const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { added_tokens: Record<string, unknown>[] };
      delete json.added_tokens[0].content;
      fs.writeFileSync(file, JSON.stringify(json));
      await rejectsWith(
        loadTextTokenizer(folder),
        'model-invalid',
        `${file}: added token 0 needs a "content" string and a non-negative integer "id"`,
      );
    },
  );

  it(
    'a tokenizer section of the wrong shape, on which the library fails with a TypeError, ' +
      "is named as such without the library's words",
    async () => {
      const folder = copyFixture('tiny-gpt2', tmp.dir, 'bad-section');
      const file = path.join(folder, 'tokenizer.json');
      const json = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
      json.pre_tokenizer = { type: 'Sequence', pretokenizers: 7 };
      fs.writeFileSync(file, JSON.stringify(json));
      const error = await rejectsWith(loadTextTokenizer(folder), 'model-invalid', /tokenizer\.json: cannot be read as a tokenizer/);
      assert.ok(error instanceof LensError);
      assert.doesNotMatch(error.message, /Cannot read|is not a function|is not iterable|TypeError/);
    },
  );
});
