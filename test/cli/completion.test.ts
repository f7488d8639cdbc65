/**
 * `vram completion bash|zsh|fish` (issue 13): scripts written from the option registry. bash
 * checks the script's syntax (`bash -n`) and runs its completion function on a few command lines.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../helpers.js';

/** COMPREPLY of the bash script for a command line (the last word is the one completed). */
function bashComplete(script: string, words: string[]): string[] {
  const file = join(mkdtempSync(join(tmpdir(), 'vram-completion-')), 'vram.bash');
  writeFileSync(file, script);
  const line = words.map((word) => `'${word}'`).join(' ');
  const program = `source '${file}'; COMP_WORDS=(vram ${line}); COMP_CWORD=${words.length}; _vram; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const result = spawnSync('bash', ['-c', program], { encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout.split('\n').filter(Boolean);
}

describe('vram completion', () => {
  it('bash: valid syntax, completes commands, flags of the command and the values of fixed-choice flags', async () => {
    const { code, stdout } = await run(['completion', 'bash']);
    expect(code).toBe(0);
    expect(spawnSync('bash', ['-n'], { input: stdout }).status).toBe(0);
    expect(bashComplete(stdout, ['pl'])).toEqual(['plan']);
    expect(bashComplete(stdout, ['estimate', '--assert'])).toEqual(['--assert-fits']);
    expect(bashComplete(stdout, ['capacity', '--engine', 'vl'])).toEqual(['vllm']);
    expect(bashComplete(stdout, ['estimate', '--gpu', 'h10'])).toEqual(['h100-80gb', 'h100-nvl']);
    expect(bashComplete(stdout, ['explain', 'kv'])).toEqual(['kv-cache']);
    expect(bashComplete(stdout, ['estimate', '--model', 'llama-3.1-4'])).toEqual(['llama-3.1-405b']);
  });

  it('zsh and fish name every command and the flags that take values', async () => {
    const zsh = (await run(['completion', 'zsh'])).stdout;
    expect(zsh.startsWith('#compdef vram\n')).toBe(true);
    expect(zsh).toContain("'--ctx[ctx]:ctx:'");
    expect(zsh).toContain("'--engine[engine]:engine:(generic vllm sglang tensorrt-llm llama.cpp transformers)'");
    const fish = (await run(['completion', 'fish'])).stdout;
    expect(fish).toContain(
      "complete -c vram -n __fish_use_subcommand -a 'estimate capacity plan explain inspect models gpus completion'",
    );
    expect(fish).toContain("complete -c vram -n '__fish_seen_subcommand_from plan' -l top -r");
  });

  it('without a shell, or another one, is one line and exit 2', async () => {
    for (const argv of [['completion'], ['completion', 'powershell']]) {
      const result = await run(argv);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        'error: completion: give a shell, one of bash, zsh, fish (e.g. vram completion bash)\n',
      );
    }
  });
});
