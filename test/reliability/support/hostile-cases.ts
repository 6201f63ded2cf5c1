/**
 * The hostile-input corpus: broken or malicious content, config, lock and originals. Each case
 * names what the error must mention (file, line, field) and the exit code the CLI documents:
 * 2 for bad input (nothing generated), 1 when `check`/`verify` find a problem or an image
 * failed. Line numbers refer to the files as written here.
 */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface HostileContext {
  root: string;
  canary: string;
  write(file: string, data: string | Uint8Array): Promise<void>;
  png: Buffer;
}

export interface HostileCase {
  name: string;
  files?: Record<string, string | Uint8Array>;
  setup?(context: HostileContext): Promise<void>;
  args?: string[];
  exit: number;
  /** Everything the output must contain (file:line, field, the fix). */
  mentions: (string | RegExp)[];
  /**
   * The run may list the names in the outside folder (a symlinked content folder is followed,
   * as symlinks inside the project must be) but never open a file there.
   */
  listsOutsideFolder?: boolean;
  /** Paid calls this input legitimately makes (default 0). */
  paid?: number;
  verify?(context: { root: string; output: string; problems: string[] }): Promise<void>;
}

const post = (...lines: string[]) => `---\ntitle: Bad\n${lines.join('\n')}\n---\n\nBody.\n`;
const hero = (...fields: string[]) =>
  post('hero:', ...fields.map((field) => `  ${field}`), '  alt: x');
const config = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
const BAD = 'src/content/bad.md';
const KEY = 'abcdefabcdefabcdef01';

/** A lock with one entry, for the cases that edit it by hand. */
function lockWith(entry: Record<string, unknown>): string {
  const base = {
    file: `src/assets/herogen/${KEY}.png`,
    sha256: 'a'.repeat(64),
    bytes: 10,
    width: 32,
    height: 32,
    format: 'png',
    provider: 'openai',
    model: 'gpt-image-2',
    prompt: 'p',
    request: {
      provider: 'openai',
      model: 'gpt-image-2',
      prompt: 'p',
      size: '1024x640',
      format: 'png',
      references: [],
      variant: 0,
    },
    createdAt: '2025-01-01T00:00:00.000Z',
    costUsd: 0.01,
    costConfidence: 'exact',
  };
  return config({ version: 1, images: { [KEY]: { ...base, ...entry } }, pending: {} });
}

export const HOSTILE_CASES: HostileCase[] = [
  // ── broken YAML and frontmatter ────────────────────────────────────────────────────────
  {
    name: 'YAML: unclosed quote',
    files: { [BAD]: post('hero:', '  prompt: "A lighthouse at dusk', '  alt: x') },
    exit: 2,
    mentions: [BAD, /quote/i],
  },
  {
    name: 'YAML: tab indentation',
    files: { [BAD]: post('hero:', '\tprompt: A lighthouse', '\talt: x') },
    exit: 2,
    mentions: [`${BAD}:4`],
  },
  {
    name: 'YAML: bad indentation',
    files: { [BAD]: post('hero:', '  prompt: A lighthouse', ' alt: x') },
    exit: 2,
    mentions: [BAD],
  },
  {
    name: 'YAML: duplicate key',
    files: { [BAD]: post('hero: A lighthouse', 'hero: A castle') },
    exit: 2,
    mentions: [`${BAD}:4`, /duplicat/i],
  },
  {
    name: 'YAML: frontmatter never closed',
    files: { [BAD]: '---\ntitle: Bad\nhero: A lighthouse\n\nBody without a closing fence.\n' },
    exit: 2,
    mentions: [BAD],
  },
  {
    name: 'YAML: alias bomb',
    files: {
      [BAD]: post(
        'a: &a ["x","x","x","x","x","x","x","x","x","x"]',
        'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]',
        'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]',
        'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]',
        'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]',
        'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]',
        'g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]',
        'hero:',
        '  prompt: A lighthouse',
        '  references: *g',
      ),
    },
    exit: 2,
    mentions: [BAD, 'hero.references'],
  },
  {
    name: 'TOML: broken frontmatter',
    files: { 'src/content/bad.md': '+++\ntitle = "Bad\nhero = "A lighthouse"\n+++\n' },
    exit: 2,
    mentions: [BAD],
  },
  {
    name: 'binary garbage named .md',
    files: { [BAD]: new Uint8Array([0x2d, 0x2d, 0x2d, 0x0a, 0, 1, 2, 0xff, 0xfe, 0x0a, 0x2d]) },
    exit: 2,
    mentions: [BAD],
  },
  // ── wrong types and values in the hero field ───────────────────────────────────────────
  {
    name: 'hero is a number',
    files: { [BAD]: post('hero: 42') },
    exit: 2,
    mentions: [`${BAD}:3`, 'hero'],
  },
  {
    name: 'hero.prompt is a list',
    files: { [BAD]: hero('prompt: [a, b]') },
    exit: 2,
    mentions: [BAD, 'hero.prompt'],
  },
  {
    name: 'hero.prompt is empty',
    files: { [BAD]: hero('prompt: ""') },
    exit: 2,
    mentions: [BAD, 'hero.prompt'],
  },
  {
    name: 'hero.prompt is whitespace',
    files: { [BAD]: hero('prompt: "   "') },
    exit: 2,
    mentions: [BAD, 'hero.prompt'],
  },
  {
    name: 'hero.alt is an object',
    files: { [BAD]: post('hero:', '  prompt: A lighthouse', '  alt: { text: x }') },
    exit: 2,
    mentions: [BAD, 'hero.alt'],
  },
  {
    name: 'hero: unknown field (typo)',
    files: { [BAD]: hero('promt: A lighthouse') },
    exit: 2,
    mentions: [BAD, 'promt', 'prompt'],
  },
  {
    name: 'hero.aspect malformed',
    files: { [BAD]: hero('prompt: A lighthouse', 'aspect: "16/9"') },
    exit: 2,
    mentions: [BAD, 'hero.aspect'],
  },
  {
    name: 'hero.aspect out of range',
    files: { [BAD]: hero('prompt: A lighthouse', 'aspect: "10:1"') },
    exit: 2,
    mentions: [BAD, 'hero.aspect'],
  },
  {
    name: 'hero.size not a size',
    files: { [BAD]: hero('prompt: A lighthouse', 'size: huge') },
    exit: 2,
    mentions: [BAD, 'hero.size'],
  },
  {
    name: 'hero.size not a multiple of 16',
    files: { [BAD]: hero('prompt: A lighthouse', 'size: 1000x1000') },
    exit: 2,
    mentions: [BAD, 'hero.size'],
  },
  {
    name: 'hero.quality unknown',
    files: { [BAD]: hero('prompt: A lighthouse', 'quality: ultra') },
    exit: 2,
    mentions: [BAD, 'hero.quality'],
  },
  {
    name: 'hero.format gif',
    files: { [BAD]: hero('prompt: A lighthouse', 'format: gif') },
    exit: 2,
    mentions: [BAD, 'hero.format'],
  },
  {
    name: 'hero.background unknown',
    files: { [BAD]: hero('prompt: A lighthouse', 'background: green') },
    exit: 2,
    mentions: [BAD, 'hero.background'],
  },
  {
    name: 'hero.variant negative',
    files: { [BAD]: hero('prompt: A lighthouse', 'variant: -1') },
    exit: 2,
    mentions: [BAD, 'hero.variant'],
  },
  {
    name: 'hero.provider unknown',
    files: { [BAD]: hero('prompt: A lighthouse', 'provider: midjourney') },
    exit: 2,
    mentions: [BAD, 'hero.provider'],
  },
  {
    name: 'hero.model retired',
    files: { [BAD]: hero('prompt: A lighthouse', 'model: dall-e-3') },
    exit: 2,
    mentions: [BAD, 'hero.model'],
  },
  {
    name: 'transparent jpeg',
    files: { [BAD]: hero('prompt: A lighthouse', 'background: transparent', 'format: jpeg') },
    exit: 2,
    mentions: [BAD],
  },
  {
    name: 'giant prompt (40,000 characters)',
    files: { [BAD]: hero(`prompt: "${'a lighthouse '.repeat(3100)}"`) },
    exit: 2,
    mentions: [BAD, 'hero.prompt'],
  },
  {
    name: 'control characters in the prompt',
    files: { [BAD]: hero('prompt: "A lighthouse\\u0000\\u001b[31m at dusk"') },
    exit: 2,
    mentions: [BAD, 'hero.prompt'],
  },
  // ── references: traversal, absolute paths, symlinks, non-images ─────────────────────────
  {
    name: 'reference ../ outside the project',
    files: { [BAD]: hero('prompt: A lighthouse', 'references: ["../../../canary/secret.png"]') },
    exit: 2,
    mentions: [BAD, 'hero.references'],
  },
  {
    name: 'reference that climbs out from a subfolder',
    files: {
      [BAD]: hero('prompt: A lighthouse', 'references: ["src/../../canary/secret.png"]'),
    },
    exit: 2,
    mentions: [BAD, 'hero.references'],
  },
  {
    name: 'reference absolute path',
    setup: async ({ write, canary }) =>
      write(BAD, hero('prompt: A lighthouse', `references: ["${canary}/secret.png"]`)),
    exit: 2,
    mentions: [BAD, 'hero.references'],
  },
  {
    name: 'reference symlink leading outside',
    setup: async ({ root, canary, write }) => {
      await write('refs/.keep', '');
      await symlink(path.join(canary, 'secret.png'), path.join(root, 'refs/look.png'));
      await write(BAD, hero('prompt: A lighthouse', 'references: ["refs/look.png"]'));
    },
    exit: 2,
    mentions: [BAD, 'hero.references'],
  },
  {
    name: 'reference directory symlink leading outside',
    setup: async ({ root, canary, write }) => {
      await symlink(canary, path.join(root, 'refs'));
      await write(BAD, hero('prompt: A lighthouse', 'references: ["refs/secret.png"]'));
    },
    exit: 2,
    mentions: [BAD, 'hero.references'],
  },
  {
    name: 'reference that is not an image',
    files: {
      'refs/notes.png': 'just text',
      [BAD]: hero('prompt: A lighthouse', 'references: ["refs/notes.png"]'),
    },
    exit: 2,
    mentions: [BAD, 'refs/notes.png'],
  },
  {
    name: 'reference that does not exist',
    files: { [BAD]: hero('prompt: A lighthouse', 'references: ["refs/missing.png"]') },
    exit: 2,
    mentions: [BAD, 'refs/missing.png'],
  },
  // ── config ──────────────────────────────────────────────────────────────────────────────
  {
    name: 'config: invalid JSON',
    files: { 'herogen.config.json': '{\n  "provider": "openai",\n  "size": 1024x640\n}\n' },
    exit: 2,
    mentions: ['herogen.config.json', ':3'],
  },
  {
    name: 'config: wrong type',
    files: { 'herogen.config.json': config({ provider: 'openai', concurrency: 'four' }) },
    exit: 2,
    mentions: ['herogen.config.json', 'concurrency'],
  },
  {
    name: 'config: unknown key (typo)',
    files: { 'herogen.config.json': config({ provider: 'openai', outdir: 'images' }) },
    exit: 2,
    mentions: ['herogen.config.json', 'outdir', 'outDir'],
  },
  {
    name: 'config: unknown provider',
    files: { 'herogen.config.json': config({ provider: 'midjourney' }) },
    exit: 2,
    mentions: ['herogen.config.json', 'provider'],
  },
  {
    name: 'config: negative budget',
    files: { 'herogen.config.json': config({ provider: 'openai', budget: { maxUsd: -5 } }) },
    exit: 2,
    mentions: ['herogen.config.json', 'budget.maxUsd'],
  },
  {
    name: 'config: outDir ../ outside',
    files: { 'herogen.config.json': config({ provider: 'openai', outDir: '../canary' }) },
    exit: 2,
    mentions: ['outDir'],
  },
  {
    name: 'config: outDir absolute outside',
    setup: async ({ write, canary }) =>
      write('herogen.config.json', config({ provider: 'openai', outDir: canary })),
    exit: 2,
    mentions: ['outDir'],
  },
  {
    name: 'config: outDir symlink leading outside',
    setup: async ({ root, canary, write }) => {
      await write('src/assets/.keep', '');
      await symlink(canary, path.join(root, 'src/assets/herogen'));
    },
    exit: 2,
    mentions: ['outDir', 'symlink'],
  },
  {
    name: 'config: lockFile outside',
    files: { 'herogen.config.json': config({ provider: 'openai', lockFile: '../canary/x.json' }) },
    exit: 2,
    mentions: ['lockFile'],
  },
  {
    name: 'config: content glob climbing out',
    files: { 'herogen.config.json': config({ provider: 'openai', content: '../canary/*.md' }) },
    exit: 2,
    mentions: ['content'],
  },
  {
    name: 'config: module that throws',
    setup: async ({ root }) => {
      await writeFile(path.join(root, 'herogen.config.json'), '');
      await import('node:fs/promises').then((fs) => fs.rm(path.join(root, 'herogen.config.json')));
      await writeFile(
        path.join(root, 'herogen.config.mjs'),
        "throw new Error('config exploded');\n",
      );
    },
    exit: 2,
    mentions: ['herogen.config.mjs', 'config exploded'],
  },
  {
    name: 'config: module with a syntax error',
    setup: async ({ root }) => {
      await import('node:fs/promises').then((fs) => fs.rm(path.join(root, 'herogen.config.json')));
      await writeFile(path.join(root, 'herogen.config.mjs'), 'export default { provider: ;\n');
    },
    exit: 2,
    mentions: ['herogen.config.mjs'],
  },
  // ── the lock, edited by hand ────────────────────────────────────────────────────────────
  {
    name: 'lock: invalid JSON',
    files: { 'herogen.lock.json': '{\n  "version": 1,\n  "images": {\n}\n' },
    exit: 2,
    mentions: ['herogen.lock.json', /line \d+/],
  },
  {
    name: 'lock: merge conflict markers',
    files: {
      'herogen.lock.json':
        '{\n<<<<<<< HEAD\n  "version": 1,\n=======\n  "version": 1,\n>>>>>>> other\n}\n',
    },
    exit: 2,
    mentions: ['herogen.lock.json', 'conflict', 'line 2'],
  },
  {
    name: 'lock: unknown version',
    files: { 'herogen.lock.json': config({ version: 2, images: {}, pending: {} }) },
    exit: 2,
    mentions: ['herogen.lock.json', 'version'],
  },
  {
    name: 'lock: malformed sha256',
    files: { 'herogen.lock.json': lockWith({ sha256: 'not-a-hash' }) },
    exit: 2,
    mentions: ['herogen.lock.json', `images.${KEY}.sha256`],
  },
  {
    name: 'lock: entry path climbing out',
    files: { 'herogen.lock.json': lockWith({ file: '../canary/secret.png' }) },
    exit: 2,
    mentions: ['herogen.lock.json', `images.${KEY}.file`],
  },
  {
    name: 'lock: entry absolute path',
    setup: async ({ write, canary }) =>
      write('herogen.lock.json', lockWith({ file: `${canary}/secret.png` })),
    exit: 2,
    mentions: ['herogen.lock.json', `images.${KEY}.file`],
  },
  {
    name: 'lock: wrong hash for a file (verify)',
    setup: async ({ write, png }) => {
      await write(`src/assets/herogen/${KEY}.png`, png);
      await write('herogen.lock.json', lockWith({ bytes: png.byteLength }));
    },
    args: ['verify'],
    exit: 1,
    mentions: [`src/assets/herogen/${KEY}.png`, /do(es)? not match/],
  },
  {
    name: 'lock: entry whose file is a symlink leading outside (verify)',
    setup: async ({ root, canary, write, png }) => {
      await write('src/assets/herogen/.keep', '');
      await symlink(
        path.join(canary, 'secret.png'),
        path.join(root, `src/assets/herogen/${KEY}.png`),
      );
      await write('herogen.lock.json', lockWith({ bytes: png.byteLength }));
    },
    args: ['verify'],
    exit: 1,
    mentions: [`src/assets/herogen/${KEY}.png`],
  },
  // ── originals directory ─────────────────────────────────────────────────────────────────
  {
    name: 'lock: entry whose file is a symlink leading outside (check)',
    setup: async ({ root, canary, write, png }) => {
      await write('src/assets/herogen/.keep', '');
      await symlink(
        path.join(canary, 'secret.png'),
        path.join(root, `src/assets/herogen/${KEY}.png`),
      );
      await write('herogen.lock.json', lockWith({ bytes: png.byteLength }));
    },
    args: ['check'],
    exit: 1,
    mentions: [/needs? attention/],
  },
  {
    name: 'content folder symlinked outside the project',
    setup: async ({ root, canary }) => {
      await symlink(canary, path.join(root, 'src/content/linked'));
    },
    listsOutsideFolder: true,
    exit: 2,
    mentions: ['content', 'symlink'],
  },
  {
    name: 'outDir: a non-image .png recorded in the lock (verify)',
    setup: async ({ write }) => {
      const junk = '<html>not an image</html>';
      await write(`src/assets/herogen/${KEY}.png`, junk);
      const { createHash } = await import('node:crypto');
      const sha256 = createHash('sha256').update(junk).digest('hex');
      await write('herogen.lock.json', lockWith({ sha256, bytes: junk.length }));
    },
    args: ['verify'],
    exit: 1,
    mentions: [`corrupt  src/assets/herogen/${KEY}.png`],
  },
  {
    name: 'outDir: a non-image .png in the place of the next original',
    setup: async ({ root }) => {
      // Squat the exact file name ok.md's image will get: the run must replace it, not trust it.
      const { createHerogen } = await import('@herogen/core');
      const session = await createHerogen({ root, env: { OPENAI_API_KEY: 'sk-test-plan' } });
      const [job] = (await session.plan()).jobs;
      await mkdir(path.dirname(path.join(root, job!.file)), { recursive: true });
      await writeFile(path.join(root, job!.file), 'not an image');
    },
    exit: 0,
    paid: 1,
    mentions: ['1 generated'],
    async verify({ root, problems }) {
      const { createHerogen, verifyOriginals, readLock } = await import('@herogen/core');
      const session = await createHerogen({ root, env: {} });
      const results = await verifyOriginals(root, session.outDir, await readLock(session.lockPath));
      if (results.length !== 1 || results[0]!.state !== 'ok') {
        problems.push('the squatted file was not replaced by a verified original');
      }
    },
  },
  {
    name: 'outDir is a file',
    files: { 'src/assets/herogen': 'a file where a folder should be' },
    exit: 2,
    mentions: ['src/assets/herogen'],
  },
];
