/**
 * The commands' actions: validate the raw options (options.ts), load the model (modelSource.ts),
 * run the plan, print warnings to stderr and the rendering to stdout, and return the exit code.
 * Renderers are imported lazily so each command loads only what it prints.
 */
import { EXIT_DOES_NOT_FIT, EXIT_OK, UserError } from '../core/errors.js';
import { closestName } from '../core/suggest.js';
import { planEstimate } from '../plan/estimate.js';
import { asksForLlamaCpp } from '../plan/llamaCppOptions.js';
import type { SourcedModel } from './ggufSources.js';
import type { FrontEnd } from '../core/llamaCpp/frontEnds.js';
import { type Io, terminalColumns } from './io.js';
import { loadModel } from './modelSource.js';
import { type ParsedOptions, parseListOption, parseOptions } from './options.js';
import { parseList } from './values.js';
import { printable, withoutTokens } from './printable.js';
import { bounded } from '../render/boundedText.js';

/** A message as one printable line (no control characters, no "error:" prefix, no newlines). */
export function oneLine(message: string): string {
  return printable(
    bounded(
      message
        .replace(/^error:\s*/i, '')
        .replace(/\s*\n\s*/g, ' ')
        .trim(),
    ),
  );
}

function warn(io: Io, warnings: readonly string[]): void {
  for (const warning of warnings) io.stderr.write(`warning: ${withoutTokens(oneLine(warning), io.env)}\n`);
}

/** Exactly one of --model and --config. */
function requireOneModel(options: { model?: string | undefined; config?: string | undefined }, hint: string): void {
  if (options.model === undefined && options.config === undefined) throw new UserError(hint);
  if (options.model !== undefined && options.config !== undefined)
    throw new UserError(`--config: cannot be combined with --model "${options.model}"; give one of them`);
}

async function load(
  options: Pick<ParsedOptions<'estimate'>, 'model' | 'config' | 'set' | 'offline' | 'format'>,
  io: Io,
): Promise<SourcedModel> {
  return loadModel(
    {
      model: options.model,
      config: options.config,
      set: options.set ?? [],
      offline: options.offline ?? false,
      format: options.format,
    },
    io,
  );
}

interface StoreSettings {
  model?: string | undefined;
  frontEnd?: FrontEnd | undefined;
  ctx?: number | undefined;
  batchSize?: number | undefined;
  ubatchSize?: number | undefined;
  gpuLayers?: number | 'auto' | 'max' | undefined;
}

/**
 * A local store's own front end (ollama: Ollama, lmstudio: LM Studio), and the PARAMETERs an Ollama
 * model sets (num_ctx, num_batch as -b and -ub, num_gpu ≥ 0 as -ngl), under the options given.
 */
export function withStoreDefaults<T extends StoreSettings>(options: T, model: SourcedModel): T {
  const spec = options.model ?? '';
  const store = spec.startsWith('ollama:') ? 'ollama' : spec.startsWith('lmstudio:') ? 'lm-studio' : undefined;
  const frontEnd = options.frontEnd ?? store;
  if (frontEnd === undefined) return options;
  const params = frontEnd === 'ollama' ? model.ollamaParams : null;
  const gpu = params?.num_gpu;
  return {
    ...options,
    frontEnd,
    ctx: options.ctx ?? params?.num_ctx,
    batchSize: options.batchSize ?? params?.num_batch,
    // Ollama passes -b and -ub both as num_batch: an explicit --batch-size moves the micro-batch too.
    ubatchSize: options.ubatchSize ?? (frontEnd === 'ollama' ? (options.batchSize ?? params?.num_batch) : undefined),
    gpuLayers: options.gpuLayers ?? (gpu !== undefined && gpu >= 0 ? gpu : undefined),
  };
}

/** --attention auto is llama.cpp's -fa auto; the other plans take flash or eager. */
function withoutAutoAttention<T extends { attention?: 'flash' | 'eager' | 'auto' | undefined }>(
  options: T,
): T & { attention?: 'flash' | 'eager' | undefined } {
  if (options.attention === 'auto')
    throw new UserError("--attention auto: is llama.cpp's -fa auto; give --engine llama.cpp, or flash or eager");
  return options as T & { attention?: 'flash' | 'eager' | undefined };
}

function modeOf(options: ParsedOptions<'estimate'>): 'inference' | 'training' {
  if (options.train && options.mode === 'inference')
    throw new UserError('--train conflicts with --mode inference; give one of them');
  return options.train ? 'training' : (options.mode ?? 'inference');
}

export async function estimateAction(raw: Readonly<Record<string, unknown>>, io: Io, color: boolean): Promise<number> {
  const options = parseOptions('estimate', raw);
  const mode = modeOf(options);
  requireOneModel(
    options,
    '--model: no model given; pass --model <preset> (see `vram models`) or --config <config.json>',
  );
  const model = await load(options, io);
  // A GGUF file is what llama.cpp runs: sized as llama.cpp sizes it unless --engine generic says otherwise.
  const gguf = options.engine === undefined && model.checkpoint?.format === 'gguf';
  const llamaCpp = mode === 'inference' && (options.engine === 'llama.cpp' || asksForLlamaCpp(options) || gguf);
  if (!llamaCpp && options.engine !== undefined && options.engine !== 'generic')
    throw new UserError(
      `--engine ${options.engine}: estimate sizes the generic engine or llama.cpp; use vram capacity --engine ${options.engine} for its budget`,
    );
  const plan = llamaCpp
    ? (await import('../plan/llamaCppEstimate.js')).planLlamaCppEstimate(model, withStoreDefaults(options, model))
    : mode === 'training'
      ? (await import('../plan/trainingPlan.js')).planTraining(model, withoutAutoAttention(options))
      : planEstimate(model, withoutAutoAttention(options));
  warn(io, plan.warnings);
  const format = plan.inputs.format;
  if (format === 'json') {
    const { estimateJson } = await import('../render/estimateJson.js');
    io.stdout.write(`${JSON.stringify(estimateJson(plan), null, 2)}\n`);
  } else if (format === 'markdown') {
    const { renderEstimateMarkdown } = await import('../render/estimateMarkdown.js');
    io.stdout.write(renderEstimateMarkdown(plan, plan.inputs.units, plan.inputs.explain));
  } else {
    const { renderEstimateText } = await import('../render/estimateText.js');
    const columns = terminalColumns(io);
    io.stdout.write(
      renderEstimateText(plan, { units: plan.inputs.units, color, explain: plan.inputs.explain, columns }),
    );
  }
  // --assert-fits worst: the requirement at the pessimistic end of its range must fit too.
  const worst = plan.inputs.assertLevel === 'worst';
  const fit = plan.fit;
  const fails = fit
    ? !fit.fits || (worst && (fit.requiredRange?.highBytes ?? fit.requiredBytesPerGpu) > fit.usableBytesPerGpu)
    : plan.mode === 'inference' && plan.catalog !== null && !plan.catalog.some((row) => row.fits);
  return plan.inputs.assertFits && fails ? EXIT_DOES_NOT_FIT : EXIT_OK;
}

export async function capacityAction(raw: Readonly<Record<string, unknown>>, io: Io, color: boolean): Promise<number> {
  const options = parseOptions('capacity', raw);
  requireOneModel(
    options,
    '--model: no model given; pass --model <preset|dir|hf:org/name|file.gguf> or --config <config.json>',
  );
  const { planCapacity } = await import('../plan/capacity.js');
  const model = await load(options, io);
  const llamaCpp = options.engine === undefined || options.engine === 'llama.cpp';
  const plan = planCapacity(model, llamaCpp ? withStoreDefaults(options, model) : options);
  warn(io, plan.warnings);
  if (plan.inputs.format === 'json') {
    const { capacityJson } = await import('../render/capacityJson.js');
    io.stdout.write(`${JSON.stringify(capacityJson(plan), null, 2)}\n`);
  } else {
    const { renderCapacity, renderCapacityWorking } = await import('../render/capacityText.js');
    io.stdout.write(renderCapacity(plan, plan.inputs.format, plan.inputs.units, color, terminalColumns(io)));
    if (options.explain) io.stdout.write(renderCapacityWorking(plan, plan.inputs.format, plan.inputs.units));
  }
  const verdict = plan.capacity?.fits;
  const fails = plan.inputs.assertLevel === 'worst' ? verdict !== 'yes' : verdict === 'no';
  return plan.inputs.assertFits && fails ? EXIT_DOES_NOT_FIT : EXIT_OK;
}

export async function planAction(raw: Readonly<Record<string, unknown>>, io: Io, color: boolean): Promise<number> {
  const options = parseOptions('plan', raw);
  requireOneModel(
    options,
    '--model: no model given; pass --model <preset|dir|hf:org/name|file.gguf> or --config <config.json>',
  );
  const { planDeployments } = await import('../plan/deploymentPlan.js');
  const plan = planDeployments(await load(options, io), options);
  warn(io, plan.warnings);
  const { planJson, renderPlan } = await import('../render/planText.js');
  const { format, units } = plan.inputs;
  if (format === 'json') io.stdout.write(`${JSON.stringify(planJson(plan), null, 2)}\n`);
  else io.stdout.write(renderPlan(plan, format, units, color, terminalColumns(io)));
  return EXIT_OK;
}

/** The model `vram explain` works its examples on unless --model names another. */
const EXPLAIN_MODEL = 'llama-70b';

export async function explainAction(
  topic: string | undefined,
  raw: Readonly<Record<string, unknown>>,
  io: Io,
): Promise<number> {
  const options = parseOptions('explain', raw);
  const { cheatSheet } = await import('../plan/cheatSheet.js');
  const { EXPLAIN_TOPICS } = await import('../plan/explainTopics.js');
  const known = topic === undefined ? undefined : EXPLAIN_TOPICS.find((name) => name === topic.toLowerCase());
  if (topic !== undefined && known === undefined) {
    const suggestion = closestName(topic, EXPLAIN_TOPICS);
    throw new UserError(
      `explain: "${topic.slice(0, 40)}" is not a topic; one of ${EXPLAIN_TOPICS.join(', ')}${suggestion ? ` (did you mean ${suggestion}?)` : ''}`,
    );
  }
  const model = await load(
    { ...options, model: options.config === undefined ? (options.model ?? EXPLAIN_MODEL) : undefined },
    io,
  );
  const sheet = cheatSheet(model, known);
  const { cheatSheetJson, renderCheatSheet } = await import('../render/cheatSheet.js');
  const units = options.units ?? 'gib';
  const format = options.format ?? 'table';
  io.stdout.write(
    format === 'json'
      ? `${JSON.stringify(cheatSheetJson(sheet, units), null, 2)}\n`
      : renderCheatSheet(sheet, format, units),
  );
  return EXIT_OK;
}

/** Models one comparison may load. */
const MAX_COMPARE_MODELS = 8;

export async function compareAction(raw: Readonly<Record<string, unknown>>, io: Io, color: boolean): Promise<number> {
  const single = parseOptions('listing', { format: raw.format, units: raw.units });
  if (raw.model === undefined)
    throw new UserError('--model: no model given; pass --model a,b (presets, directories, hf:org/name)');
  const specs = parseList(String(raw.model), (item) => item);
  if (specs.length > MAX_COMPARE_MODELS)
    throw new UserError(`--model: ${specs.length} models is more than ${MAX_COMPARE_MODELS}; compare fewer at once`);
  const axes = {
    dtypes: parseListOption('dtype', raw.dtype) as (string | undefined)[],
    contexts: parseListOption('ctx', raw.ctx) as (number | undefined)[],
    users: parseListOption('users', raw.users) as (number | undefined)[],
    gpus: parseListOption('gpu', raw.gpu) as (string | undefined)[],
    kvDtypes: parseListOption('kvDtype', raw.kvDtype) as (string | undefined)[],
  };
  const models = [];
  for (const model of specs)
    models.push(await loadModel({ model, set: [], offline: raw.offline === true, format: single.format }, io));
  const { planCompare } = await import('../plan/compare.js');
  const plan = planCompare(models, axes);
  warn(io, plan.warnings);
  const { compareJson, renderCompare } = await import('../render/compareText.js');
  const format = single.format ?? 'table';
  io.stdout.write(
    format === 'json'
      ? `${JSON.stringify(compareJson(plan), null, 2)}\n`
      : renderCompare(plan, format, single.units ?? 'gib', color, terminalColumns(io)),
  );
  return EXIT_OK;
}

export async function completionAction(shell: string | undefined, io: Io): Promise<number> {
  const { SHELLS, completionScript } = await import('./completion.js');
  const known = SHELLS.find((name) => name === shell);
  if (known === undefined)
    throw new UserError(`completion: give a shell, one of ${SHELLS.join(', ')} (e.g. vram completion bash)`);
  io.stdout.write(completionScript(known));
  return EXIT_OK;
}

export async function inspectAction(
  model: string | undefined,
  raw: Readonly<Record<string, unknown>>,
  io: Io,
  color: boolean,
): Promise<number> {
  const options = parseOptions('inspect', raw);
  if (model === undefined && options.config === undefined)
    throw new UserError(
      'inspect: no model given; pass a preset, a directory, hf:<org>/<name>, a .gguf file, or --config <config.json>',
    );
  if (model !== undefined && options.config !== undefined)
    throw new UserError(`--config: cannot be combined with the model "${model}"; give one of them`);
  const loaded = await load({ ...options, model }, io);
  warn(io, loaded.warnings);
  const { renderInspect, renderInspectWorking } = await import('../render/inspect.js');
  const format = options.format ?? 'table';
  io.stdout.write(renderInspect(loaded, format, options.units ?? 'gib', color));
  if (options.explain && format !== 'json') io.stdout.write(renderInspectWorking(loaded, format));
  return EXIT_OK;
}

export async function listingAction(
  name: 'models' | 'gpus',
  raw: Readonly<Record<string, unknown>>,
  io: Io,
  color: boolean,
): Promise<number> {
  const { format = 'table', units = 'gib' } = parseOptions('listing', raw);
  const catalogs = await import('../render/catalogs.js');
  const render = name === 'models' ? catalogs.renderModels : catalogs.renderGpus;
  io.stdout.write(render(format, units, color, terminalColumns(io)));
  return EXIT_OK;
}
