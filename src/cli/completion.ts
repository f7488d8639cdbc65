/**
 * `vram completion bash|zsh|fish`: a shell completion script written from the option registry
 * (options.ts), so it offers exactly the commands and flags the CLI takes, and the values of the
 * flags with a fixed set (engines, formats, dtypes, presets, catalog GPUs, explain topics).
 * Install: `vram completion bash > /etc/bash_completion.d/vram`, `vram completion zsh >
 * "${fpath[1]}/_vram"`, `vram completion fish > ~/.config/fish/completions/vram.fish`.
 */
import { ATTENTION_IMPLEMENTATIONS } from '../core/attention.js';
import { DTYPES } from '../core/dtype.js';
import { ENGINES } from '../core/serving/types.js';
import { GPUS } from '../model/gpus.js';
import { PRESETS } from '../model/presets.js';
import { EXPLAIN_TOPICS } from '../plan/explainTopics.js';
import { COMMAND_OPTIONS, type CommandName, FORMATS, OPTIONS, UNIT_SYSTEMS, WEIGHT_DTYPES } from './options.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** The commands, and the option set each takes. */
const COMMANDS: readonly [string, CommandName | null][] = [
  ['estimate', 'estimate'],
  ['capacity', 'capacity'],
  ['plan', 'plan'],
  ['explain', 'explain'],
  ['inspect', 'inspect'],
  ['models', 'listing'],
  ['gpus', 'listing'],
  ['completion', null],
];

/** The long flag of each option of a command (`--model`, not `-m`). */
function flagsOf(command: CommandName | null): string[] {
  if (command === null) return [];
  return COMMAND_OPTIONS[command].map((key) => /--[a-z-]+/.exec(OPTIONS[key].flags)?.[0] ?? '').filter(Boolean);
}

/** The long flags that take a value (`--ctx <tokens>`), so a shell does not complete a flag in its place. */
const TAKES_VALUE = new Set(
  Object.values(OPTIONS)
    .filter((option) => /<|\[/.test(option.flags))
    .map((option) => /--[a-z-]+/.exec(option.flags)?.[0] ?? ''),
);

/** The values a flag takes from a fixed list. */
function valuesOf(): Record<string, readonly string[]> {
  return {
    '--model': PRESETS.flatMap((preset) => [preset.id, ...preset.aliases]),
    '--gpu': ['all', ...GPUS.map((gpu) => gpu.id)],
    '--engine': ENGINES,
    '--format': FORMATS,
    '--units': UNIT_SYSTEMS,
    '--dtype': WEIGHT_DTYPES,
    '--kv-dtype': DTYPES,
    '--attention': ATTENTION_IMPLEMENTATIONS,
    '--assert-fits': ['expected', 'worst'],
  };
}

function bash(): string {
  const values = valuesOf();
  const cases = COMMANDS.map(([name, options]) => `    ${name}) opts="${flagsOf(options).join(' ')}" ;;`);
  const valueCases = Object.entries(values).map(([flag, list]) => `    ${flag}) words="${list.join(' ')}" ;;`);
  return `# vram completion for bash: vram completion bash > /etc/bash_completion.d/vram
_vram() {
  local cur prev command opts words
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  command="\${COMP_WORDS[1]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "${COMMANDS.map(([name]) => name).join(' ')} --help --version" -- "$cur") )
    return
  fi
  words=""
  case "$prev" in
${valueCases.join('\n')}
  esac
  if [ -n "$words" ]; then
    COMPREPLY=( $(compgen -W "$words" -- "$cur") )
    return
  fi
  case "$command" in
${cases.join('\n')}
    *) opts="" ;;
  esac
  case "$command" in
    explain) [ "\${cur#-}" = "$cur" ] && opts="$opts ${EXPLAIN_TOPICS.join(' ')}" ;;
    completion) opts="${SHELLS.join(' ')}" ;;
  esac
  COMPREPLY=( $(compgen -W "$opts --help" -- "$cur") )
}
complete -F _vram vram
`;
}

function zsh(): string {
  const values = valuesOf();
  const commandCases = COMMANDS.map(([name, options]) => {
    const flags = flagsOf(options).map((flag) => {
      const list = values[flag];
      const name = flag.slice(2);
      return list
        ? `'${flag}[${name}]:${name}:(${list.join(' ')})'`
        : TAKES_VALUE.has(flag)
          ? `'${flag}[${name}]:${name}:'`
          : `'${flag}'`;
    });
    const positional =
      name === 'explain'
        ? [`'1:topic:(${EXPLAIN_TOPICS.join(' ')})'`]
        : name === 'completion'
          ? [`'1:shell:(${SHELLS.join(' ')})'`]
          : [];
    return `    ${name}) _arguments ${[...flags, ...positional].join(' ')} ;;`;
  });
  return `#compdef vram
# vram completion for zsh: vram completion zsh > "\${fpath[1]}/_vram"
_vram() {
  if (( CURRENT == 2 )); then
    _values 'command' ${COMMANDS.map(([name]) => name).join(' ')}
    return
  fi
  local command=\${words[2]}
  shift words
  (( CURRENT-- ))
  case $command in
${commandCases.join('\n')}
  esac
}
compdef _vram vram
`;
}

function fish(): string {
  const values = valuesOf();
  const lines = [
    '# vram completion for fish: vram completion fish > ~/.config/fish/completions/vram.fish',
    'complete -c vram -f',
    `complete -c vram -n __fish_use_subcommand -a '${COMMANDS.map(([name]) => name).join(' ')}'`,
  ];
  for (const [name, options] of COMMANDS) {
    for (const flag of flagsOf(options)) {
      const list = values[flag];
      const argument = list ? ` -r -a '${list.join(' ')}'` : TAKES_VALUE.has(flag) ? ' -r' : '';
      lines.push(`complete -c vram -n '__fish_seen_subcommand_from ${name}' -l ${flag.slice(2)}${argument}`);
    }
  }
  lines.push(`complete -c vram -n '__fish_seen_subcommand_from explain' -a '${EXPLAIN_TOPICS.join(' ')}'`);
  lines.push(`complete -c vram -n '__fish_seen_subcommand_from completion' -a '${SHELLS.join(' ')}'`);
  return `${lines.join('\n')}\n`;
}

export function completionScript(shell: Shell): string {
  return shell === 'bash' ? bash() : shell === 'zsh' ? zsh() : fish();
}
