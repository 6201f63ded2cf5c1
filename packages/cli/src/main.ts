import { cac } from 'cac';
import type { BatchFlags } from './commands/batch.js';
import type { VariantsFlags } from './commands/variants.js';
import type { CliIO, GlobalFlags } from './context.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { MAX_CACHED_ROWS } from './output/plan-rows.js';

const VERSION = '0.1.0';

/** Run the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIO): Promise<ExitCode> {
  const cli = cac('herogen');
  let run: (() => Promise<ExitCode>) | undefined;
  // Each command's module (and through it core, zod, cli-progress...) is imported only when
  // that command runs: `--version`, `--help` and a mistyped command load none of them.
  const on =
    (load: () => Promise<(flags: GlobalFlags, io: CliIO) => Promise<ExitCode>>) =>
    (flags: GlobalFlags) => {
      run = async () => (await load())(flags, io);
    };

  cli
    .option('--root <dir>', 'Project root (default: current directory)')
    .option('--config <file>', 'Config file (default: herogen.config.* in the root)')
    .option(
      '--no-site-config',
      "Do not read herogen()'s options from astro.config.* / vite.config.* (read by default)",
    )
    .option('--json', 'Machine-readable output on stdout')
    .option('--concurrency <n>', 'Images generated at once (default 4; 8 with hiapi)')
    .option('--frozen', 'Never call a paid API; missing images become placeholders')
    .option(
      '--no-wait-batch',
      'Pay now (sync price) for heroes an open batch covers, instead of a placeholder',
    )
    .option('--strict', 'Fail when any image is missing or fails')
    .option('--budget <usd>', 'Refuse to spend more than this many US dollars')
    .option('--max-images <n>', 'Refuse to generate more than this many images');

  cli
    .command('plan', 'Show what would be generated, by which provider, at what cost')
    .option(
      '--all',
      `List every image (default: cached ones are only counted past ${MAX_CACHED_ROWS})`,
    )
    .action(on(async () => (await import('./commands/plan.js')).planCommand));
  cli
    .command('generate', 'Generate missing hero images and store them with the lock')
    .action(on(async () => (await import('./commands/generate.js')).generateCommand));
  cli
    .command('check', 'Exit 1 if any image is missing, a placeholder or corrupt (no network)')
    .action(on(async () => (await import('./commands/check.js')).checkCommand));
  cli
    .command('verify', 'Check every stored original against its sha256 in the lock')
    .action(on(async () => (await import('./commands/verify.js')).verifyCommand));
  cli
    .command('report', 'Write an HTML contact sheet of every hero (or --json)')
    .option('--out <file>', 'Where to write it (default: herogen-report.html in the root)')
    .action(on(async () => (await import('./commands/report.js')).reportCommand));
  cli
    .command(
      'regenerate [...targets]',
      'Pay for a new take of images; the old ones are kept in history',
    )
    .action((targets: string[], flags: GlobalFlags) => {
      run = async () =>
        (await import('./commands/regenerate.js')).regenerateCommand(targets, flags, io);
    });
  cli
    .command('variants [target]', 'Generate candidates 1..n of a hero side by side (cached)')
    .option('-n, --count <n>', 'How many candidates (default 4)')
    .action((target: string | undefined, flags: VariantsFlags) => {
      run = async () => (await import('./commands/variants.js')).variantsCommand(target, flags, io);
    });
  cli
    .command('pick [target] [n]', 'Make candidate n the hero image (frontmatter untouched)')
    .action((target: string | undefined, n: string | undefined, flags: GlobalFlags) => {
      run = async () => (await import('./commands/pick.js')).pickCommand(target, n, flags, io);
    });
  cli
    .command('prune', 'List originals no content uses; delete them with --yes')
    .option('--yes', 'Delete what is listed (default: dry run)')
    .option('--history', 'Also delete earlier takes kept by regenerate and pick')
    .option('--variants', 'Also delete unreferenced variant candidates')
    .action(on(async () => (await import('./commands/prune.js')).pruneCommand));
  cli
    .command(
      'batch <action> [...ids]',
      'OpenAI Batch API backfill at half price: submit, status, collect, cancel',
    )
    .option('--dry-run', 'submit: price and check only, upload nothing')
    .option('--max-requests <n>', 'submit: requests per batch (default and maximum 50000)')
    .option('--max-bytes <n>', 'submit: bytes per input file (default and maximum 200 MB)')
    .option('--all', 'status: list collected batches too')
    .option('--wait', 'collect: wait until running batches finish (cancel always waits)')
    .option('--wait-timeout <s>', 'longest wait in seconds (default 600)')
    .action((action: string, ids: string[], flags: BatchFlags) => {
      run = async () => (await import('./commands/batch.js')).batchCommand(action, ids, flags, io);
    });
  cli
    .command('mock-api', 'Serve the OpenAI and hiapi stand-in on 127.0.0.1 for tests and CI')
    .option('--port <port>', 'Port (default 4010)')
    .allowUnknownOptions()
    .action(() => {
      run = async () =>
        (await import('./commands/mock-api.js')).mockApiCommand(
          argv.slice(argv.indexOf('mock-api') + 1),
          io,
        );
    });
  cli.help();
  cli.version(VERSION);

  try {
    cli.parse(['node', 'herogen', ...argv], { run: false });
    if (cli.options.help || cli.options.version) return EXIT.OK;
    if (!cli.matchedCommand) {
      const name = cli.args[0];
      io.stderr.write(name ? `unknown command "${name}"\n` : 'no command given\n');
      cli.outputHelp();
      return EXIT.INVALID;
    }
    await cli.runMatchedCommand();
    return run ? await run() : EXIT.OK;
  } catch (error) {
    return await reportError(error, io);
  }
}

async function reportError(error: unknown, io: CliIO): Promise<ExitCode> {
  const { formatError, HerogenError } = await import('@herogen/core');
  io.stderr.write(`herogen: ${formatError(error)}\n`);
  if (!HerogenError.is(error)) {
    if (error instanceof Error && /Unknown option|missing required args/i.test(error.message)) {
      return EXIT.INVALID;
    }
    io.stderr.write('this is a bug in herogen; please report it with the command you ran\n');
    if (io.env.HEROGEN_DEBUG && error instanceof Error && error.stack)
      io.stderr.write(`${error.stack}\n`);
    return EXIT.FAILED;
  }
  if (error.code === 'BUDGET_EXCEEDED') return EXIT.BUDGET;
  if (error.code === 'ABORTED') return EXIT.INTERRUPTED;
  if (
    error.code.startsWith('CONFIG') ||
    error.code === 'CONTENT_INVALID' ||
    error.code === 'REFERENCE_INVALID' ||
    error.code === 'REQUEST_INVALID' ||
    error.code === 'LOCK_INVALID' ||
    error.code === 'PATH_OUTSIDE_ROOT'
  ) {
    return EXIT.INVALID;
  }
  return EXIT.FAILED;
}
