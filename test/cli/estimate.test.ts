import { describe, expect, it } from 'vitest';
import { componentBytes, run, runJson } from '../helpers.js';

const DESIGN_CARD = ['estimate', '--model', 'llama-70b', '--ctx', '32k', '--users', '10'];

describe('vram estimate: the design-card scenario', () => {
  it('weights 137,953,296,384 B and KV cache 107,374,182,400 B (8 KV heads)', async () => {
    const { code, json } = await runJson(DESIGN_CARD);
    expect(code).toBe(0);
    expect(componentBytes(json, 'weights')).toBe(137_953_296_384);
    expect(componentBytes(json, 'kv_cache')).toBe(107_374_182_400);
    expect(json.components.map((c: { id: string }) => c.id)).toEqual([
      'weights',
      'kv_cache',
      'activations',
      'allocator_cache',
      'overhead',
    ]);
  });

  it('JSON follows the schemaVersion 1 contract', async () => {
    const { json } = await runJson([...DESIGN_CARD, '--gpu', 'h100-80gb', '--gpus', '4']);
    expect(Object.keys(json)).toEqual([
      'schemaVersion',
      'tool',
      'mode',
      'model',
      'inputs',
      'components',
      'totalBytes',
      'fit',
      'warnings',
    ]);
    expect(json.schemaVersion).toBe(1);
    expect(json.tool).toEqual({ name: 'vram', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(json.mode).toBe('inference');
    expect(json.model).toMatchObject({ id: 'llama-2-70b', parameterCount: 68_976_648_192 });
    expect(json.inputs).toMatchObject({
      model: 'llama-2-70b',
      mode: 'inference',
      ctx: 32_768,
      users: 10,
      dtype: 'fp16',
      kvDtype: 'fp16',
      attention: 'flash',
      gpu: 'h100-80gb',
      gpus: 4,
      format: 'json',
      units: 'gib',
      explain: false,
      assertFits: false,
    });
    for (const component of json.components) {
      expect(Object.keys(component)).toEqual(expect.arrayContaining(['id', 'label', 'bytes', 'formula']));
      expect(Number.isSafeInteger(component.bytes)).toBe(true);
      expect(component.formula).toMatch(/\d/);
    }
    expect(json.totalBytes).toBe(json.components.reduce((sum: number, c: { bytes: number }) => sum + c.bytes, 0));
    expect(Object.keys(json.fit)).toEqual(
      expect.arrayContaining([
        'gpu',
        'gpuCount',
        'usableBytesPerGpu',
        'requiredBytesPerGpu',
        'fits',
        'headroomBytes',
        'maxUsers',
        'minGpuCount',
      ]),
    );
    expect(json.fit).toMatchObject({
      gpu: 'h100-80gb',
      gpuCount: 4,
      usableBytesPerGpu: 81_559 * 2 ** 20,
      fits: true,
      minGpuCount: 4,
    });
    expect(json.warnings).toEqual([expect.stringMatching(/was trained on 4,096 tokens/)]);
  });

  it('without --gpu the fit is null', async () => {
    expect((await runJson(DESIGN_CARD)).json.fit).toBeNull();
  });

  it('--assert-fits exits 3 on 2 × H100 and 0 on 4, with the JSON still printed', async () => {
    const two = await runJson([...DESIGN_CARD, '--gpu', 'h100-80gb', '--gpus', '2', '--assert-fits']);
    expect(two.code).toBe(3);
    expect(two.json.fit.fits).toBe(false);
    const four = await runJson([...DESIGN_CARD, '--gpu', 'h100-80gb', '--gpus', '4', '--assert-fits']);
    expect(four.code).toBe(0);
    expect(four.json.fit.fits).toBe(true);
  });

  it('a context past the trained maximum is a warning on stderr and in JSON, with a preset that supports it', async () => {
    const { code, json, stderr } = await runJson(DESIGN_CARD);
    expect(code).toBe(0);
    expect(stderr).toMatch(
      /^warning: --ctx 32,768: llama-2-70b was trained on 4,096 tokens; llama-3\.1-70b takes 131,072\n$/,
    );
    expect(json.warnings[0]).toBe(stderr.replace(/^warning: /, '').trim());
    expect((await runJson(['estimate', '--model', 'llama-70b', '--ctx', '4k'])).json.warnings).toEqual([]);
  });

  it('defaults: 4096-token context capped at the model maximum, 1 user, the config dtype', async () => {
    expect((await runJson(['estimate', '--model', 'llama-7b'])).json.inputs).toMatchObject({
      ctx: 4096,
      users: 1,
      dtype: 'fp16',
      kvDtype: 'fp16',
    });
    expect((await runJson(['estimate', '--model', 'bert-base'])).json.inputs).toMatchObject({
      ctx: 512,
      dtype: 'bf16',
    });
  });

  it('model names are case-insensitive and aliases resolve', async () => {
    expect((await runJson(['estimate', '--model', 'LLaMA-7B'])).json.model.id).toBe('llama-2-7b');
  });

  it('reads a config from stdin with --config -', async () => {
    const config = JSON.stringify({
      model_type: 'llama',
      hidden_size: 4096,
      num_hidden_layers: 32,
      num_attention_heads: 32,
      intermediate_size: 11008,
      vocab_size: 32000,
      max_position_embeddings: 4096,
    });
    const { code, json } = await runJson(['estimate', '--config', '-'], { stdin: config });
    expect(code).toBe(0);
    expect(json.model.parameterCount).toBe(6_738_415_616);
    expect(json.inputs.config).toBe('stdin');
  });

  it('--dtype int4 and --kv-dtype fp8 change only what they name', async () => {
    const { json } = await runJson([...DESIGN_CARD, '--dtype', 'int4', '--kv-dtype', 'fp8']);
    expect(componentBytes(json, 'weights')).toBe(68_976_648_192 / 2);
    expect(componentBytes(json, 'kv_cache')).toBe(107_374_182_400 / 2);
  });

  it('--overhead 1.5GiB is a fixed size, 10% a share of the others', async () => {
    expect(componentBytes((await runJson([...DESIGN_CARD, '--overhead', '1.5GiB'])).json, 'overhead')).toBe(
      1.5 * 2 ** 30,
    );
    const { json } = await runJson([...DESIGN_CARD, '--overhead', '10%']);
    const others = json.totalBytes - componentBytes(json, 'overhead');
    expect(componentBytes(json, 'overhead')).toBe(Math.ceil(others / 10));
  });

  it('eager attention adds the score matrices to the prefill peak', async () => {
    const flash = componentBytes(
      (await runJson(['estimate', '--model', 'llama-7b', '--ctx', '4k'])).json,
      'activations',
    );
    const eager = componentBytes(
      (await runJson(['estimate', '--model', 'llama-7b', '--ctx', '4k', '--attention', 'eager'])).json,
      'activations',
    );
    expect(eager).toBeGreaterThan(flash);
  });

  it('the default overhead is a heuristic with a range; exact components have none', async () => {
    const { json } = await runJson(DESIGN_CARD);
    const overhead = json.components.find((c: { id: string }) => c.id === 'overhead');
    expect(overhead.basis).toBe('heuristic');
    expect(overhead.range.lowBytes).toBeLessThan(overhead.bytes);
    expect(overhead.range.highBytes).toBeGreaterThan(overhead.bytes);
    expect(json.components.find((c: { id: string }) => c.id === 'weights').range).toBeNull();
  });
});

describe('vram estimate --mode training', () => {
  it('llama-7b: weights + gradients + optimizer states = 16 × 6,738,415,616 B', async () => {
    const { code, json } = await runJson(['estimate', '--mode', 'training', '--model', 'llama-7b']);
    expect(code).toBe(0);
    const states =
      componentBytes(json, 'weights') + componentBytes(json, 'gradients') + componentBytes(json, 'optimizer_states');
    expect(states).toBe(16 * 6_738_415_616);
    expect(json.model.trainableParameterCount).toBe(6_738_415_616);
    expect(json.inputs).toMatchObject({
      mode: 'training',
      batch: 1,
      precision: 'mixed',
      optimizer: 'adamw',
      gradCheckpointing: 'none',
    });
  });

  it('--train is the short form', async () => {
    expect((await runJson(['estimate', '--train', '--model', 'llama-7b'])).json.mode).toBe('training');
  });

  it('multi-GPU training without --zero is plain data parallelism: with bucket views, per GPU as on one GPU, bytes summed over GPUs', async () => {
    const one = (await runJson(['estimate', '--train', '--model', 'llama-7b', '--gpu', 'h100'])).json;
    const argv = ['estimate', '--train', '--model', 'llama-7b', '--gpu', 'h100', '--gpus', '8', '--ddp-bucket-view'];
    const { json } = await runJson(argv);
    // The same per GPU as on one GPU, but for one NCCL communicator (512 MiB expected) in the overhead.
    const nccl = 512 * 2 ** 20;
    for (const c of json.components) {
      const single = one.components.find((o: { id: string }) => o.id === c.id);
      expect(c.bytesPerGpu).toBe(single.bytesPerGpu + (c.id === 'overhead' ? nccl : 0));
      expect(c.bytes).toBe(8 * c.bytesPerGpu);
      expect(c.hostBytes).toBe(0);
    }
    expect(json.totalBytesPerGpu).toBe(one.totalBytes + nccl);
    expect(json.fit).toMatchObject({ requiredBytesPerGpu: one.totalBytes + nccl, maxUsers: null, minGpuCount: null });
    expect(json.inputs).toMatchObject({ zero: 0, dataParallel: 8, tp: 1, pp: 1 });
  });

  it("without --ddp-bucket-view, DDP's all-reduce buckets hold a second copy of the gradients", async () => {
    const one = (await runJson(['estimate', '--train', '--model', 'llama-7b', '--gpu', 'h100'])).json;
    const { json } = await runJson(['estimate', '--train', '--model', 'llama-7b', '--gpu', 'h100', '--gpus', '8']);
    const gradients = (doc: { components: { id: string; bytesPerGpu: number }[] }) =>
      doc.components.find((c) => c.id === 'gradients')?.bytesPerGpu ?? 0;
    expect(gradients(json)).toBe(2 * gradients(one));
    const zero1 = (
      await runJson(['estimate', '--train', '--model', 'llama-7b', '--gpu', 'h100', '--gpus', '8', '--zero', '1'])
    ).json;
    expect(gradients(zero1)).toBe(gradients(one));
  });

  it("--keep-output holds the model output's fp32 logits through the loss's backward: + 4 B per logit", async () => {
    // llama-7b at batch 4 and 4,096 tokens (activations above the optimizer step's temporaries):
    // 16,384 tokens × 32,000 vocab × 4 B.
    const argv = ['estimate', '--train', '--model', 'llama-7b', '--ctx', '4096', '--batch', '4'];
    const activations = (doc: { components: { id: string; bytes: number }[] }) =>
      doc.components.find((c) => c.id === 'activations')?.bytes ?? 0;
    const dropped = (await runJson(argv)).json;
    const kept = (await runJson([...argv, '--keep-output'])).json;
    expect(activations(kept) - activations(dropped)).toBe(16_384 * 32_000 * 4);
    expect(kept.inputs.keepOutput).toBe(true);
    const chunked = (await runJson([...argv, '--chunked-loss'])).json;
    const chunkedKept = (await runJson([...argv, '--chunked-loss', '--keep-output'])).json;
    expect(activations(chunkedKept)).toBe(activations(chunked));
  });
});

describe('other spellings of dtypes and engines (issue 13)', () => {
  it("takes vLLM's fp8_e4m3/fp8_e5m2, PyTorch's bfloat16 and engine package names as vram's own", async () => {
    const base = ['capacity', '--model', 'llama-3.1-8b', '--gpu', 'h100', '--ctx', '8k'];
    const canonical = await runJson([...base, '--engine', 'tensorrt-llm', '--kv-dtype', 'fp8']);
    for (const [engine, kv] of [
      ['trtllm', 'fp8_e4m3'],
      ['tensorrt_llm', 'fp8_e5m2'],
      ['TRT-LLM', 'float8_e4m3fn'],
    ]) {
      const other = await runJson([...base, '--engine', engine as string, '--kv-dtype', kv as string]);
      expect(other.code).toBe(0);
      expect(other.json).toEqual(canonical.json);
    }
    const bf16 = await runJson(['estimate', '--model', 'llama-3.1-8b', '--dtype', 'bfloat16']);
    expect(bf16.json.inputs.dtype).toBe('bf16');
    expect((await runJson(['capacity', '--model', 'llama-3.1-8b', '--engine', 'llama-server'])).json.engine).toBe(
      'llama.cpp',
    );
  });
});

describe('bad input: one line on stderr, nothing on stdout, exit 2', () => {
  it.each([
    [['estimate', '--model', 'llama-70'], /--model: unknown model "llama-70" \(did you mean llama-70b\?\)/],
    // Issue 13: suggestions compare names without separators, and prefer the nearer version.
    [['estimate', '--model', 'llama3-70b'], /--model: unknown model "llama3-70b" \(did you mean llama-3-70b\?\)/],
    [['estimate', '--model', 'qwen25-7b'], /\(did you mean qwen2\.5-7b\?\)/],
    [
      ['estimate', '--model', 'llama-70b', '--gpu', 'rtx5090'],
      /--gpu: unknown GPU "rtx5090" \(did you mean rtx-5090\?\)/,
    ],
    [
      ['estimate', '--model', 'meta-llama/Llama-3.1-8B'],
      /--model: "meta-llama\/Llama-3\.1-8B" is not a directory; for the Hub repository pass hf:meta-llama\/Llama-3\.1-8B\n$/,
    ],
    [
      ['estimate', '--model', 'https://huggingface.co/Qwen/Qwen2.5-7B/tree/v1.0'],
      /is a Hugging Face Hub page; for the Hub repository pass hf:Qwen\/Qwen2\.5-7B@v1\.0\n$/,
    ],
    [
      ['estimate', '--model', 'llama-70b', '--overhead', '1.5'],
      /--overhead: "1\.5" has no unit: a share \(1\.5%\) or a size \(1\.5GiB\)\?/,
    ],
    [['capacity', '--model', 'llama-70b', '--gpu-memory', '80'], /--gpu-memory: "80" has no unit/],
    [['estimate', '--model', 'llama-70b', '--ctx', '-5'], /--ctx: "-5" is not a token count/],
    [['estimate', '--model', 'llama-70b', '--ctx', '0'], /--ctx: "0" must be at least 1/],
    [['estimate', '--model', 'llama-70b', '--ctx', 'abc'], /--ctx: "abc"/],
    [['estimate', '--model', 'llama-70b', '--ctx', '12q'], /--ctx: "12q" is not a token count/],
    [['estimate', '--model', 'llama-70b', '--ctx', '999999999'], /--ctx: .* more than the 16,777,216 tokens/],
    [['estimate', '--model', 'llama-70b', '--users', '0'], /--users: "0" must be at least 1/],
    [['estimate', '--model', 'llama-70b', '--users', '-3'], /--users: "-3" is not a positive integer/],
    [['estimate', '--model', 'llama-70b', '--users', '10000000'], /--users: .* more than the 1,000,000 allowed/],
    [
      ['estimate', '--model', 'llama-70b', '--dtype', 'fp7'],
      /--dtype: "fp7" is not one of fp32, fp16, bf16, fp8, int8, int4, q4_0, .*q4_k_m.* \(did you mean fp8\?\)/,
    ],
    [['estimate', '--model', 'llama-70b', '--kv-dtype', 'int3'], /--kv-dtype: "int3" is not one of/],
    [['estimate', '--model', 'llama-70b', '--optimizer', 'adamw'], /--optimizer: applies to --mode training/],
    [
      ['estimate', '--train', '--model', 'llama-7b', '--optimizer', 'adamx'],
      /--optimizer: "adamx" is not one of .*did you mean adamw?\?/,
    ],
    [['estimate', '--model', 'llama-70b', '--mode', 'trainin'], /--mode: "trainin" .*did you mean training\?/],
    [
      ['estimate', '--config', '/nonexistent/config.json'],
      /--config: cannot read "\/nonexistent\/config.json": no such file/,
    ],
    [['estimate', '--model', 'llama-70b', '--config', 'x.json'], /--config: cannot be combined with --model/],
    [['estimate'], /--model: no model given/],
    [
      ['estimate', '--model', 'llama-70b', '--set', 'num_key_value_head=64'],
      /--set: "num_key_value_head" is not a config field \(did you mean num_key_value_heads\?\)/,
    ],
    [['estimate', '--model', 'llama-70b', '--set', 'oops'], /--set: "oops" is not field=value/],
    [
      ['estimate', '--model', 'llama-70b', '--set', 'num_key_value_heads=7'],
      /num_key_value_heads: got 7, expected a divisor of num_attention_heads \(64\)/,
    ],
    [
      ['estimate', '--model', 'llama-70b', '--set', 'hidden_size=-1'],
      /hidden_size: got -1, expected a positive integer/,
    ],
    [['estimate', '--model', 'llama-70b', '--overhead', '10x'], /--overhead: "10x"/],
    [['estimate', '--model', 'llama-70b', '--gpu', 'h1000'], /--gpu: unknown GPU "h1000" \(did you mean h100\?\)/],
    [['estimate', '--model', 'llama-70b', '--gpu', 'h100', '--gpus', '0'], /--gpus: "0" must be at least 1/],
    [['estimate', '--model', 'llama-70b', '--assert-fits'], /--assert-fits: needs --gpu/],
    [['estimate', '--model', 'llama-70b', '--format', 'yaml'], /--format: "yaml" is not one of table, json, markdown/],
    [['estimate', '--model', 'llama-70b', '--batch', '4'], /--batch: applies to --mode training/],
    [['estimate', '--model', 'llama-70b', '--keep-output'], /--keep-output: applies to --mode training/],
    [['estimate', '--train', '--model', 'llama-70b', '--users', '4'], /--users: applies to --mode inference/],
    [
      ['estimate', '--train', '--model', 'llama-70b', '--dtype', 'int4'],
      /--dtype: "int4" does not match --precision mixed/,
    ],
    [['estimate', '--model', 'llama-70b', '--bogus'], /unknown option '--bogus'/],
    [['estimat'], /unknown command 'estimat'/],
    [['estimate', '--model', 'llama-70b', '--ctx'], /option '--ctx <tokens>' argument missing/],
    [['models', '--format', 'xml'], /--format: "xml" is not one of/],
    [['estimate', '--config', '/dev/zero'], /--config: "\/dev\/zero" is larger than 16 MiB/],
    [
      ['estimate', '--model', 'llama-7b', '--set', '__proto__={"head_dim":64}'],
      /--set: "__proto__" is not a config field/,
    ],
    [['estimate', '--model', 'llama-7b', '--set', 'constructor=1'], /--set: "constructor" is not a config field/],
    [['estimate', '--model', 'llama-70b', '--set', 'model_type=bert'], /--set: model_type cannot be changed/],
    [
      ['estimate', '--model', 'llama-7b', '--set', 'hidden_size=1e400'],
      /--set: "hidden_size=1e400" is not a finite number/,
    ],
    [['estimate', '--model', 'llama-7b', '--gpu', ''], /^error: --gpu: unknown GPU ""; run/],
    [['estimate', '--model', 'llama-7b', '--gpu', 'h100\u001b[31m'], /unknown GPU "h100\\u001b\[31m"/],
  ])('%j', async (argv, message) => {
    const { code, stdout, stderr } = await run(argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^error: /);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('config files: malformed JSON, missing fields (named), unsupported model_type, not an object', async () => {
    const cases: [string, RegExp][] = [
      ['{bad', /stdin: not valid JSON/],
      ['[1, 2]', /stdin: expected a JSON object/],
      [
        '{"model_type": "llama", "hidden_size": 4096}',
        /stdin: missing required fields num_hidden_layers, num_attention_heads, vocab_size, max_position_embeddings, intermediate_size for model_type "llama"/,
      ],
      [
        '{"model_type": "gpt2"}',
        /stdin: missing required fields hidden_size, num_hidden_layers, num_attention_heads, vocab_size, n_positions for model_type "gpt2"/,
      ],
      ['{"model_type": "mamba"}', /stdin: missing required fields hidden_size, .* for model_type "mamba"/],
      ['{"hidden_size": 4096}', /stdin: missing required field model_type/],
      [
        '{"model_type": "mixtral", "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 128, "vocab_size": 100, "max_position_embeddings": 512}',
        /missing required field num_local_experts/,
      ],
    ];
    for (const [stdin, message] of cases) {
      const { code, stdout, stderr } = await run(['estimate', '--config', '-'], { stdin });
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(message);
    }
  });
});

describe('warnings from the model source', () => {
  it('a --set field the reader ignores is reported, not silently accepted', async () => {
    const { code, json } = await runJson(['estimate', '--model', 'llama-7b', '--set', 'sliding_window=4096']);
    expect(code).toBe(0);
    expect(json.warnings).toEqual([
      expect.stringMatching(/--set sliding_window=4096 changed nothing: the llama reader does not use that field/),
    ]);
  });

  it('an unknown model_type is read as a LLaMA-style decoder, with a warning', async () => {
    const config = JSON.stringify({
      model_type: 'mystery',
      hidden_size: 64,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      intermediate_size: 128,
      vocab_size: 100,
      max_position_embeddings: 64,
    });
    const { code, json } = await runJson(['estimate', '--config', '-'], { stdin: config });
    expect(code).toBe(0);
    expect(json.warnings[0]).toMatch(/model_type "mystery" is not one vram knows.*read as a LLaMA-style decoder/);
  });

  it('control characters in a config are escaped, never echoed raw', async () => {
    const config = JSON.stringify({
      _name_or_path: 'x\n\u001b[31mred',
      model_type: 'llama',
      hidden_size: 64,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      intermediate_size: 128,
      vocab_size: 100,
      max_position_embeddings: 8,
    });
    const { stdout, stderr } = await run(['estimate', '--config', '-', '--ctx', '16'], { stdin: config });
    expect(stderr.includes('\u001b')).toBe(false);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stdout.includes('\u001b')).toBe(false);
  });

  it('an encoder past its learned positions cannot run that long, and only encoders are suggested', async () => {
    const { json } = await runJson(['estimate', '--model', 'bert-base', '--ctx', '1k']);
    expect(json.warnings[0]).toMatch(/has 512 learned positions and cannot run it \(hypothetical\)/);
    expect(json.warnings[0]).not.toMatch(/llama|mistral|qwen/);
  });

  it('the KV cache follows --dtype when it is a float type', async () => {
    expect((await runJson(['estimate', '--model', 'qwen2.5-7b', '--dtype', 'fp16'])).json.inputs.kvDtype).toBe('fp16');
    expect((await runJson(['estimate', '--model', 'qwen2.5-7b', '--dtype', 'int4'])).json.inputs.kvDtype).toBe('bf16');
  });
});

describe('help and version', () => {
  it('--help prints examples to stdout and exits 0', async () => {
    const { code, stdout } = await run(['estimate', '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Examples:/);
    expect(stdout).toMatch(/--assert-fits/);
  });

  it('--version prints the version', async () => {
    const { code, stdout } = await run(['--version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('no command is one error line and exit 2', async () => {
    const { code, stdout, stderr } = await run([]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'error: no command given; run `vram --help` (commands: estimate, capacity, inspect, models, gpus)\n',
    );
  });
});

describe('vram estimate --mode training: plans over GPUs (issue 5)', () => {
  const PLAN = [
    'estimate',
    '--mode',
    'training',
    '--model',
    'llama-7b',
    '--gpus',
    '8',
    '--zero',
    '3',
    '--batch',
    '4',
    '--ctx',
    '4k',
    '--grad-checkpointing',
    'full',
  ];
  const perGpu = (json: any, id: string) =>
    json.components.find((c: { id: string }) => c.id === id).bytesPerGpu as number;

  it('the done-when plan: per-GPU breakdown, totals summed over GPUs, a range on the requirement', async () => {
    const { code, json } = await runJson([...PLAN, '--gpu', 'h100-80gb']);
    expect(code).toBe(0);
    // ZeRO-3 over 8: 2Φ weights, 2Φ gradients, 12Φ optimizer states, each ÷ 8 rounded up.
    expect(perGpu(json, 'weights')).toBe(Math.ceil((2 * 6_738_415_616) / 8));
    expect(perGpu(json, 'optimizer_states')).toBe(Math.ceil((12 * 6_738_415_616) / 8));
    expect(json.totalBytesPerGpu).toBe(
      json.components.reduce((sum: number, c: { bytesPerGpu: number }) => sum + c.bytesPerGpu, 0),
    );
    expect(json.totalBytes).toBe(json.components.reduce((sum: number, c: { bytes: number }) => sum + c.bytes, 0));
    expect(json.fit.requiredBytesPerGpu).toBe(json.totalBytesPerGpu);
    const range = json.fit.requiredRangeBytesPerGpu;
    expect(range.lowBytes).toBeLessThan(json.fit.requiredBytesPerGpu);
    expect(range.highBytes).toBeGreaterThan(json.fit.requiredBytesPerGpu);
    expect(json.fit.minGpuCount).toBe(2);
    expect(json.inputs).toMatchObject({ zero: 3, dataParallel: 8, gradCheckpointing: 'full', loraRank: null });
  });

  it('LoRA and QLoRA variants: trainable parameters as PEFT counts them, smaller model states', async () => {
    const full = (await runJson(PLAN)).json;
    const lora = (await runJson([...PLAN, '--lora-rank', '16', '--lora-targets', 'all-linear'])).json;
    const qlora = (await runJson([...PLAN, '--lora-rank', '16', '--lora-targets', 'all-linear', '--qlora'])).json;
    expect(lora.model.trainableParameterCount).toBe(39_976_960);
    expect(qlora.model.trainableParameterCount).toBe(39_976_960);
    expect(qlora.inputs.optimizer).toBe('paged-adamw-8bit');
    expect(perGpu(lora, 'optimizer_states')).toBeLessThan(perGpu(full, 'optimizer_states') / 100);
    expect(perGpu(qlora, 'weights')).toBeLessThan(perGpu(lora, 'weights') / 3);
    expect(perGpu(lora, 'activations')).toBeLessThanOrEqual(perGpu(full, 'activations'));
  });

  it('the table shows Per GPU and All 8 GPUs columns, and the plan in the heading', async () => {
    const { code, stdout } = await run([...PLAN, '--gpu', 'h100-80gb']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Per GPU .* All 8 GPUs/);
    expect(stdout).toMatch(/8 GPUs \(dp 8, ZeRO-3\)/);
    expect(stdout).toMatch(/required per GPU +[\d.]+ GiB \(range [\d.]+ GiB – [\d.]+ GiB\)/);
  });

  it('offload adds a Host RAM column and hostBytes in JSON', async () => {
    const { json } = await runJson([...PLAN, '--offload', 'optimizer']);
    expect(json.totalHostBytes).toBeGreaterThan(12 * 6_738_415_616);
    expect(perGpu(json, 'optimizer_states')).toBe(0);
    const { stdout } = await run([...PLAN, '--offload', 'optimizer']);
    expect(stdout).toMatch(/Host RAM/);
  });

  it('--solve batch: the largest micro-batch that fits, and one more does not', async () => {
    const base = [
      'estimate',
      '--train',
      '--model',
      'llama-7b',
      '--ctx',
      '2k',
      '--lora-rank',
      '16',
      '--qlora',
      '--grad-checkpointing',
      'full',
      '--gpu',
      'rtx-4090',
    ];
    const { json } = await runJson([...base, '--solve', 'batch']);
    const best = json.solve.value.expected as number;
    expect(best).toBeGreaterThan(1);
    expect(json.solve.value.pessimistic).toBeLessThanOrEqual(best);
    expect(json.solve.value.optimistic).toBeGreaterThanOrEqual(best);
    expect((await runJson([...base, '--batch', String(best)])).json.fit.fits).toBe(true);
    expect((await runJson([...base, '--batch', String(best + 1)])).json.fit.fits).toBe(false);
  });

  it('--solve ctx: the longest sequence that fits', async () => {
    const base = [
      'estimate',
      '--train',
      '--model',
      'llama-7b',
      '--lora-rank',
      '16',
      '--qlora',
      '--grad-checkpointing',
      'full',
      '--gpu',
      'rtx-4090',
    ];
    const { json } = await runJson([...base, '--solve', 'ctx']);
    const best = json.solve.value.expected as number;
    expect((await runJson([...base, '--ctx', String(best)])).json.fit.fits).toBe(true);
    expect((await runJson([...base, '--ctx', String(best + 1)])).json.fit.fits).toBe(false);
  });

  it('--solve gpus: the fewest GPUs per ZeRO stage, never more at a higher stage', async () => {
    const { json, stderr } = await runJson([
      'estimate',
      '--train',
      '--model',
      'llama-13b',
      '--ctx',
      '2k',
      '--gpu',
      'a100-80gb',
      '--solve',
      'gpus',
    ]);
    expect(stderr).toBe('');
    const counts = json.solve.byZeroStage.map((s: { gpuCount: { expected: number | null } }) => s.gpuCount.expected);
    expect(counts[0]).toBeNull(); // 16 B × 13B params never fit one 80 GB GPU without sharding
    expect(counts[1]).toBeGreaterThanOrEqual(counts[2]);
    expect(counts[2]).toBeGreaterThanOrEqual(counts[3]);
    const at = (
      await runJson([
        'estimate',
        '--train',
        '--model',
        'llama-13b',
        '--ctx',
        '2k',
        '--gpu',
        'a100-80gb',
        '--zero',
        '3',
        '--gpus',
        String(counts[3]),
      ])
    ).json;
    expect(at.fit.fits).toBe(true);
    if (counts[3] > 1)
      expect(
        (
          await runJson([
            'estimate',
            '--train',
            '--model',
            'llama-13b',
            '--ctx',
            '2k',
            '--gpu',
            'a100-80gb',
            '--zero',
            '3',
            '--gpus',
            String(counts[3] - 1),
          ])
        ).json.fit.fits,
      ).toBe(false);
  });

  it('tensor and pipeline parallelism shrink the per-GPU share; sequence parallelism shrinks activations', async () => {
    const plain = (await runJson(['estimate', '--train', '--model', 'llama-7b', '--gpus', '8'])).json;
    const tp = (await runJson(['estimate', '--train', '--model', 'llama-7b', '--gpus', '8', '--tp', '4'])).json;
    const tpsp = (await runJson(['estimate', '--train', '--model', 'llama-7b', '--gpus', '8', '--tp', '4', '--sp']))
      .json;
    const pp = (await runJson(['estimate', '--train', '--model', 'llama-7b', '--gpus', '8', '--pp', '4'])).json;
    expect(perGpu(tp, 'weights')).toBeLessThan(perGpu(plain, 'weights') / 3);
    expect(perGpu(pp, 'weights')).toBeLessThan(perGpu(plain, 'weights') / 3);
    expect(perGpu(tpsp, 'activations')).toBeLessThan(perGpu(tp, 'activations'));
  });

  it.each([
    [['--gpus', '8', '--tp', '3'], /--gpus: 8 is not a multiple of --tp 3 × --pp 1 × --cp 1 = 3/],
    [['--gpus', '6', '--tp', '6'], /--tp: 6 does not divide llama-2-7b's 32 attention heads/],
    [['--gpus', '64', '--pp', '64'], /--pp: 64 stages is more than llama-2-7b's 32 layers/],
    [['--gpus', '2', '--ep', '2'], /--ep: llama-2-7b has no experts/],
    [['--offload', 'optimizer'], /--offload: "optimizer" needs ZeRO sharding/],
    [['--gpus', '8', '--zero', '2', '--offload', 'optimizer+params'], /--offload: "optimizer\+params" needs --zero 3/],
    [
      ['--zero', '1', '--zero-accounting', 'deepspeed'],
      /--zero-accounting: "deepspeed" reproduces DeepSpeed's ZeRO-2 and ZeRO-3/,
    ],
    [['--zero', '4'], /--zero: "4" is not one of 0, 1, 2, 3/],
    [['--zero', '3', '--fsdp', 'full_shard'], /--fsdp: cannot be combined with --zero/],
    [['--qlora'], /--qlora: needs --lora-rank <r>/],
    [
      ['--lora-rank', '8', '--lora-targets', 'q_prj'],
      /--lora-targets: unknown module "q_prj" \(did you mean "q_proj"\?\)/,
    ],
    [['--lora-rank', '0'], /--lora-rank: "0" must be at least 1/],
    [['--solve', 'batch'], /--solve: needs --gpu <id>/],
  ])('rejects %j in one line', async (extra, message) => {
    const { code, stdout, stderr } = await run(['estimate', '--train', '--model', 'llama-7b', ...extra]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(message);
  });

  it('training flags are refused in inference mode', async () => {
    const { code, stderr } = await run(['estimate', '--model', 'llama-7b', '--zero', '3']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--zero/);
    expect((await run(['estimate', '--model', 'llama-7b', '--qlora'])).stderr).toMatch(/--qlora/);
  });

  it('--grad-accum says it costs no memory, and changes none', async () => {
    const one = (await runJson(['estimate', '--train', '--model', 'llama-7b'])).json;
    const eight = (await runJson(['estimate', '--train', '--model', 'llama-7b', '--grad-accum', '8'])).json;
    expect(eight.totalBytes).toBe(one.totalBytes);
    expect(eight.warnings.join(' ')).toMatch(/not peak memory/);
  });
});

describe('training plans: sharding groups, experts, offload and pipeline stages (review of issue 5)', () => {
  const PHI = 6_738_415_616;
  const json = async (args: string[]) => (await runJson(['estimate', '--train', ...args])).json;
  const perGpu = (j: any, id: string) => j.components.find((c: { id: string }) => c.id === id).bytesPerGpu as number;
  const states = (j: any) => perGpu(j, 'weights') + perGpu(j, 'gradients') + perGpu(j, 'optimizer_states');

  it('expert parallelism under ZeRO-3 moves experts between GPUs but shards the same bytes: per-GPU states within 1 %', async () => {
    const ep1 = await json(['--model', 'mixtral-8x7b', '--gpus', '8', '--zero', '3']);
    const ep8 = await json(['--model', 'mixtral-8x7b', '--gpus', '8', '--zero', '3', '--ep', '8']);
    expect(Math.abs(states(ep8) / states(ep1) - 1)).toBeLessThan(0.01);
    // Without ZeRO, each GPU holds 1/8 of the experts and every dense parameter.
    const plain = await json(['--model', 'mixtral-8x7b', '--gpus', '8']);
    const split = await json(['--model', 'mixtral-8x7b', '--gpus', '8', '--ep', '8']);
    expect(perGpu(split, 'weights')).toBeLessThan(perGpu(plain, 'weights') / 4);
    expect(perGpu(split, 'weights')).toBeGreaterThan(perGpu(plain, 'weights') / 8);
  });

  it('--ep must divide the data-parallel GPUs', async () => {
    const { code, stderr } = await run([
      'estimate',
      '--train',
      '--model',
      'mixtral-8x7b',
      '--gpus',
      '8',
      '--tp',
      '8',
      '--ep',
      '8',
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--ep: 8 does not divide the 1 data- and context-parallel GPUs/);
  });

  it('ZeRO-1 with optimizer offload keeps the full 16-bit gradients on the GPU and offloads its fp32 slice', async () => {
    const j = await json(['--model', 'llama-7b', '--gpus', '8', '--zero', '1', '--offload', 'optimizer']);
    const gradients = j.components.find((c: { id: string }) => c.id === 'gradients');
    expect(gradients.bytesPerGpu).toBe(2 * PHI);
    expect(gradients.hostBytes).toBe(8 * Math.ceil((4 * Math.ceil((2 * PHI) / 8)) / 2));
  });

  it('context-parallel GPUs join the ZeRO shard group (Megatron shards over dp × cp)', async () => {
    const j = await json(['--model', 'llama-7b', '--gpus', '8', '--cp', '2', '--zero', '3']);
    expect(perGpu(j, 'optimizer_states')).toBe(Math.ceil((12 * PHI) / 8));
  });

  it('FSDP hybrid with tensor parallelism shards over the data-parallel GPUs of one node (8 per node ÷ tp 8 = 1)', async () => {
    const hybrid = await json(['--model', 'llama-7b', '--gpus', '32', '--tp', '8', '--fsdp', 'hybrid']);
    const unsharded = await json(['--model', 'llama-7b', '--gpus', '32', '--tp', '8']);
    expect(perGpu(hybrid, 'weights')).toBe(perGpu(unsharded, 'weights'));
    expect(
      (
        await run([
          'estimate',
          '--train',
          '--model',
          'llama-7b',
          '--gpus',
          '32',
          '--fsdp',
          'hybrid',
          '--gpus-per-node',
          '3',
        ])
      ).stderr,
    ).toMatch(/--gpus-per-node: 3 does not divide --gpus 32/);
  });

  it("trainableParameterCount is the whole model's, whatever the parallelism", async () => {
    for (const extra of [[], ['--gpus', '4', '--tp', '4'], ['--gpus', '4', '--pp', '4']]) {
      expect(
        (await json(['--model', 'llama-7b', '--lora-rank', '16', '--lora-targets', 'all-linear', ...extra])).model
          .trainableParameterCount,
      ).toBe(39_976_960);
    }
    // + embeddings 32,000 × 4,096 and the untied head 4,096 × 32,000
    expect(
      (
        await json([
          '--model',
          'llama-7b',
          '--lora-rank',
          '16',
          '--lora-targets',
          'all-linear',
          '--train-embeddings',
          '--gpus',
          '4',
          '--pp',
          '4',
        ])
      ).model.trainableParameterCount,
    ).toBe(39_976_960 + 2 * 131_072_000);
  });

  it('pipeline stages: the first keeps micro-batches in flight without the loss, the last one micro-batch with it', async () => {
    const j = await json([
      '--model',
      'llama-7b',
      '--gpus',
      '4',
      '--pp',
      '4',
      '--grad-accum',
      '8',
      '--ctx',
      '4k',
      '--explain',
    ]);
    const activations = j.components.find((c: { id: string }) => c.id === 'activations');
    expect(activations.notes.join(' ')).toMatch(
      /pipeline: first stage [\d,]+ B \(micro-batches in flight\), last stage [\d,]+ B \(logits and loss\)/,
    );
    const single = await json(['--model', 'llama-7b', '--ctx', '4k']);
    // 4 micro-batches × 8 of 32 layers ≈ one GPU's worth of layers, without the loss: not more than one GPU's activations
    expect(activations.bytesPerGpu).toBeLessThanOrEqual(perGpu(single, 'activations'));
  });

  it('--zero-accounting deepspeed refuses settings its formulas do not cover', async () => {
    for (const extra of [
      ['--offload', 'optimizer'],
      ['--optimizer', 'sgd'],
      ['--precision', 'fp32'],
    ]) {
      const { code, stderr } = await run([
        'estimate',
        '--train',
        '--model',
        'llama-7b',
        '--gpus',
        '8',
        '--zero',
        '2',
        '--zero-accounting',
        'deepspeed',
        ...extra,
      ]);
      expect(code).toBe(2);
      expect(stderr).toMatch(new RegExp(`drop ${extra[0]}`));
    }
  });
});
