/**
 * The plain HTML error pages Google's front end answers with, for the local
 * Cloud Run front end. They are the platform speaking, not our functions, so
 * they are deliberately not our problem documents: a client (or a function's
 * service client) sees here what it would see on Google Cloud.
 */
import type {ServerResponse} from 'node:http';

const TITLES: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Page not found',
  405: 'Method Not Allowed',
  429: 'Too Many Requests',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    c =>
      ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'})[
        c
      ]!,
  );

/** What each refusal says, in Google's words where we have seen them. */
export function pageMessage(status: number, path: string): string {
  const url = `<code>${escapeHtml(path)}</code>`;
  switch (status) {
    case 401:
      return `Your client does not have permission to the requested URL ${url}.`;
    case 403:
      return `Your client does not have permission to get URL ${url} from this server.`;
    case 404:
      return 'The requested URL was not found on this server.';
    case 429:
      return 'The request was aborted because there was no available instance.';
    case 503:
      return 'The service you requested is not available yet. Please try again in 30 seconds.';
    default:
      return 'The server could not handle the request.';
  }
}

/** Ends `res` with Google's error page for `status`. */
export function sendGooglePage(
  res: ServerResponse,
  status: number,
  path: string,
  headers: Record<string, string> = {},
): void {
  const title = `${status} ${TITLES[status] ?? 'Error'}`;
  const body = `<html><head>
<meta http-equiv="content-type" content="text/html;charset=utf-8">
<title>${title}</title>
</head>
<body text=#000000 bgcolor=#ffffff>
<h1>Error: ${TITLES[status] ?? 'Error'}</h1>
<h2>${pageMessage(status, path)}</h2>
<h2></h2>
</body></html>
`;
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'text/html; charset=UTF-8',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}
