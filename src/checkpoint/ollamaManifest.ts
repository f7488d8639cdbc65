/**
 * An Ollama manifest (OCI-like JSON: `layers` of `{ mediaType, digest, size }`) read as Ollama's
 * GetModel reads it (server/images.go at fb30760): the blob of a layer is
 * `blobs/sha256-<hex>` under the models directory (manifest/paths.go BlobsPath, which refuses a
 * digest that is not `sha256[:-]<64 hex>`); the weights are the last
 * `application/vnd.ollama.image.model` layer (a GGUF file; GetModel keeps the last one);
 * `application/vnd.ollama.image.params` holds the Modelfile's PARAMETERs as a JSON object
 * (`{"num_ctx": 8192, "stop": […]}`). Projectors, adapters and draft models are loaded beside the
 * weights by Ollama; vram does not count them and says so (as it says of a vision tower it does
 * not model), rather than refusing the model or leaving them out silently.
 */
import { UserError } from '../core/errors.js';
import { formatInt } from '../core/units.js';
import { ownValue } from '../core/ownKey.js';
import { parseJsonText } from './boundedJson.js';

const MEDIA = 'application/vnd.ollama.image.';
export const OLLAMA_MODEL_MEDIA_TYPE = `${MEDIA}model`;
export const OLLAMA_PARAMS_MEDIA_TYPE = `${MEDIA}params`;

/** Layers Ollama loads beside the weights, which vram does not count: what each one is. */
const NOT_COUNTED: Readonly<Record<string, string>> = {
  [`${MEDIA}projector`]: 'a vision projector',
  [`${MEDIA}adapter`]: 'a LoRA adapter',
  [`${MEDIA}draft`]: 'a draft model for speculative decoding',
};

/** Weights stored one tensor per layer (Ollama's safetensors-based models), which vram does not read. */
const TENSOR_MEDIA_TYPE = `${MEDIA}tensor`;

export interface OllamaLayer {
  mediaType: string;
  /** `sha256:<64 hex>`. */
  digest: string;
  /** Bytes of the blob, as the manifest states them. */
  size: number;
}

/** A manifest's layers; a UserError naming `label` when it is not a manifest Ollama would read. */
export function parseManifest(text: string, label: string): OllamaLayer[] {
  const value = parseJsonText(text, label);
  const layers = typeof value === 'object' && value !== null && 'layers' in value ? value.layers : undefined;
  if (!Array.isArray(layers)) throw new UserError(`${label}: not an Ollama manifest (no "layers" list)`);
  return layers.map((layer, index) => checkedLayer(layer, `${label}: layers[${index}]`));
}

function checkedLayer(layer: unknown, label: string): OllamaLayer {
  if (typeof layer !== 'object' || layer === null) throw new UserError(`${label} is not an object`);
  const { mediaType, digest, size } = layer as Record<string, unknown>;
  if (typeof mediaType !== 'string') throw new UserError(`${label} has no mediaType`);
  if (typeof digest !== 'string' || !/^sha256[:-][0-9a-fA-F]{64}$/.test(digest))
    throw new UserError(`${label}: digest ${JSON.stringify(String(digest).slice(0, 80))} is not sha256:<64 hex>`);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
    throw new UserError(`${label}: size is not a whole number of bytes`);
  return { mediaType, digest, size };
}

/** The blob of a digest under the models directory (BlobsPath: `:` becomes `-`). */
export function blobPath(digest: string): string {
  return `blobs/${digest.replace(':', '-')}`;
}

/** The last layer of a media type, as GetModel keeps it; null when there is none. */
export function lastLayer(layers: readonly OllamaLayer[], mediaType: string): OllamaLayer | null {
  for (let index = layers.length - 1; index >= 0; index--) {
    const layer = layers[index] as OllamaLayer;
    if (layer.mediaType === mediaType) return layer;
  }
  return null;
}

/** The weights layer; a UserError naming `label` when the manifest has none vram can read. */
export function modelLayer(layers: readonly OllamaLayer[], label: string): OllamaLayer {
  const model = lastLayer(layers, OLLAMA_MODEL_MEDIA_TYPE);
  if (model !== null) return model;
  throw new UserError(
    layers.some((layer) => layer.mediaType === TENSOR_MEDIA_TYPE)
      ? `${label}: stores its weights one tensor per layer (Ollama's safetensors models), not as a GGUF file; vram reads GGUF models only`
      : `${label}: the manifest has no ${OLLAMA_MODEL_MEDIA_TYPE} layer, so there are no weights to read`,
  );
}

/** One warning per layer Ollama loads beside the weights that vram does not count. */
export function notCountedNotes(layers: readonly OllamaLayer[], label: string): string[] {
  return layers.flatMap((layer) => {
    const what = ownValue(NOT_COUNTED, layer.mediaType);
    return what === undefined
      ? []
      : [
          `${label} has ${what} (${formatInt(layer.size)} bytes, ${layer.mediaType}) that Ollama loads beside the weights; it is not counted`,
        ];
  });
}
