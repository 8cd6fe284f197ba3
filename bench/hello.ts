/** Benchmark only: the smallest Functions Framework function, the cold-start reference. */
import type {HttpFunction} from '@google-cloud/functions-framework';

export const hello: HttpFunction = (_req, res) => {
  res.send('ok');
};
