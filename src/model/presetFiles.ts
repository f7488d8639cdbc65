/**
 * The shipped model presets. Adding a preset: put its JSON in presets/models/ and import it here
 * (test/presets.test.ts fails when a file in that folder is not listed).
 */
import bertBaseUncased from '../../presets/models/bert-base-uncased.json';
import llama2_13b from '../../presets/models/llama-2-13b.json';
import llama2_70b from '../../presets/models/llama-2-70b.json';
import llama2_7b from '../../presets/models/llama-2-7b.json';
import mistral7bV03 from '../../presets/models/mistral-7b-v0.3.json';
import mixtral8x7b from '../../presets/models/mixtral-8x7b.json';
import qwen25_7b from '../../presets/models/qwen2.5-7b.json';

export const PRESET_FILES: readonly unknown[] = [
  llama2_7b,
  llama2_13b,
  llama2_70b,
  mistral7bV03,
  mixtral8x7b,
  qwen25_7b,
  bertBaseUncased,
];
