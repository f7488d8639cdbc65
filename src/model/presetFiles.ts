/**
 * The shipped model presets. Adding a preset: put its JSON in presets/models/ and import it here
 * (test/presets.test.ts fails when a file in that folder is not listed).
 */
import llama3370b from '../../presets/models/llama-3.3-70b.json';
import qwen332b from '../../presets/models/qwen3-32b.json';
import qwen330bA3b from '../../presets/models/qwen3-30b-a3b.json';
import qwen3235bA22b from '../../presets/models/qwen3-235b-a22b.json';
import deepseekR1 from '../../presets/models/deepseek-r1.json';
import deepseekV32 from '../../presets/models/deepseek-v3.2.json';
import deepseekV31 from '../../presets/models/deepseek-v3.1.json';
import kimiK2 from '../../presets/models/kimi-k2.json';
import gptOss120b from '../../presets/models/gpt-oss-120b.json';
import phi4 from '../../presets/models/phi-4.json';
import llava157b from '../../presets/models/llava-1.5-7b.json';
import qwen25Vl7b from '../../presets/models/qwen2.5-vl-7b.json';
import gemma327b from '../../presets/models/gemma-3-27b.json';
import llama4Scout from '../../presets/models/llama-4-scout.json';
import minimaxM27 from '../../presets/models/minimax-m2.7.json';
import llama4Maverick from '../../presets/models/llama-4-maverick.json';
import minimaxM1 from '../../presets/models/minimax-m1.json';
import bertBaseUncased from '../../presets/models/bert-base-uncased.json';
import bertLargeUncased from '../../presets/models/bert-large-uncased.json';
import bloom560m from '../../presets/models/bloom-560m.json';
import deepseekLlm7b from '../../presets/models/deepseek-llm-7b.json';
import deepseekV2Lite from '../../presets/models/deepseek-v2-lite.json';
import deepseekV3 from '../../presets/models/deepseek-v3.json';
import falcon7b from '../../presets/models/falcon-7b.json';
import flanT5Base from '../../presets/models/flan-t5-base.json';
import gemma29b from '../../presets/models/gemma-2-9b.json';
import gemma31b from '../../presets/models/gemma-3-1b.json';
import gemma7b from '../../presets/models/gemma-7b.json';
import gptNeox20b from '../../presets/models/gpt-neox-20b.json';
import gptOss20b from '../../presets/models/gpt-oss-20b.json';
import gpt2 from '../../presets/models/gpt2.json';
import llama213b from '../../presets/models/llama-2-13b.json';
import llama270b from '../../presets/models/llama-2-70b.json';
import llama27b from '../../presets/models/llama-2-7b.json';
import llama3_1405b from '../../presets/models/llama-3.1-405b.json';
import llama3_170b from '../../presets/models/llama-3.1-70b.json';
import llama3_18b from '../../presets/models/llama-3.1-8b.json';
import llama3_21b from '../../presets/models/llama-3.2-1b.json';
import llama3_23b from '../../presets/models/llama-3.2-3b.json';
import jamba15Mini from '../../presets/models/jamba-1.5-mini.json';
import nemotron3Nano from '../../presets/models/nemotron-3-nano-30b-a3b.json';
import nemotronH56b from '../../presets/models/nemotron-h-56b.json';
import qwen3Next80b from '../../presets/models/qwen3-next-80b-a3b.json';
import mistral7bV0_1 from '../../presets/models/mistral-7b-v0.1.json';
import mistral7bV0_3 from '../../presets/models/mistral-7b-v0.3.json';
import mixtral8x22b from '../../presets/models/mixtral-8x22b.json';
import mixtral8x7b from '../../presets/models/mixtral-8x7b.json';
import opt1_3b from '../../presets/models/opt-1.3b.json';
import phi3Mini4k from '../../presets/models/phi-3-mini-4k.json';
import pythia1b from '../../presets/models/pythia-1b.json';
import qwen1_5MoeA2_7b from '../../presets/models/qwen1.5-moe-a2.7b.json';
import qwen2_572b from '../../presets/models/qwen2.5-72b.json';
import qwen2_57b from '../../presets/models/qwen2.5-7b.json';
import qwen38b from '../../presets/models/qwen3-8b.json';
import robertaBase from '../../presets/models/roberta-base.json';
import t5Base from '../../presets/models/t5-base.json';
import t5Small from '../../presets/models/t5-small.json';
import whisperLargeV3 from '../../presets/models/whisper-large-v3.json';
import yi6b from '../../presets/models/yi-6b.json';

export const PRESET_FILES: readonly unknown[] = [
  minimaxM1,
  minimaxM27,
  llama4Maverick,
  llava157b,
  qwen25Vl7b,
  gemma327b,
  llama4Scout,
  llama3370b,
  qwen332b,
  qwen330bA3b,
  qwen3235bA22b,
  deepseekR1,
  deepseekV31,
  deepseekV32,
  kimiK2,
  gptOss120b,
  phi4,
  bertBaseUncased,
  bertLargeUncased,
  bloom560m,
  deepseekLlm7b,
  deepseekV2Lite,
  deepseekV3,
  falcon7b,
  flanT5Base,
  gemma29b,
  gemma31b,
  gemma7b,
  gptNeox20b,
  gptOss20b,
  jamba15Mini,
  gpt2,
  llama213b,
  llama270b,
  llama27b,
  llama3_1405b,
  llama3_170b,
  llama3_18b,
  llama3_21b,
  llama3_23b,
  mistral7bV0_1,
  mistral7bV0_3,
  mixtral8x22b,
  mixtral8x7b,
  nemotron3Nano,
  nemotronH56b,
  opt1_3b,
  phi3Mini4k,
  pythia1b,
  qwen1_5MoeA2_7b,
  qwen2_572b,
  qwen2_57b,
  qwen38b,
  qwen3Next80b,
  robertaBase,
  t5Base,
  t5Small,
  whisperLargeV3,
  yi6b,
];
