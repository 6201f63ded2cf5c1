/**
 * The mock API in its own process, as a real API would be: its request handling and image
 * rendering do not share the event loop of the herogen run being measured. Driven over IPC by
 * lib/mock-process.ts.
 */
import { createMockApi, type MockApiOptions } from '@herogen/mock-api';

const options = JSON.parse(process.argv[2] ?? '{}') as MockApiOptions;
const mock = await createMockApi(options);

interface Request {
  id: number;
  type: 'stats' | 'reset' | 'close';
}

// Never outlive the benchmark that started this process.
process.on('disconnect', () => process.exit(0));

process.on('message', async (message: Request) => {
  if (message.type === 'stats') {
    const byRoute: Record<string, number> = {};
    for (const request of mock.requests) byRoute[request.route] = (byRoute[request.route] ?? 0) + 1;
    process.send?.({ id: message.id, paidCalls: mock.paidCalls(), byRoute });
  } else if (message.type === 'reset') {
    mock.reset();
    process.send?.({ id: message.id });
  } else {
    await mock.close();
    process.send?.({ id: message.id });
    process.disconnect();
  }
});

process.send?.({
  id: 0,
  url: mock.url,
  openaiBaseURL: mock.openaiBaseURL,
  hiapiBaseURL: mock.hiapiBaseURL,
});
