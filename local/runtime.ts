/**
 * The Node.js the functions run on here: the one Google Cloud runs them on
 * (deploy.sh deploys `nodejs<major>`, the major in .nvmrc). npm's scripts
 * run the project's own copy of it, the `node` devDependency that `npm
 * install` brings (node_modules/.bin/node comes first on their PATH),
 * whatever node the machine has; every process the stack, the tests and the
 * benchmark start runs on the node that started them.
 */
import {readFileSync} from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

/** The major of Node.js on Google Cloud's runtime, from .nvmrc. */
export function runtimeMajor(root = ROOT): number {
  const text = readFileSync(path.join(root, '.nvmrc'), 'utf8').trim();
  const major = Number(text.replace(/^v/, ''));
  if (!Number.isInteger(major))
    throw new Error(`.nvmrc: not a major: "${text}"`);
  return major;
}

/**
 * The node binary to start functions (and their stand-ins and floors)
 * with: this process's own, once it is the runtime's major; otherwise an
 * error saying what to run instead.
 */
export function functionsNode(
  version = process.versions.node,
  execPath = process.execPath,
): string {
  const major = runtimeMajor();
  if (Number(version.split('.')[0]) === major) return execPath;
  throw new Error(
    `The functions run on Node.js ${major} (Google Cloud's nodejs${major}); this is Node.js ${version} (${execPath}).\n` +
      `  Run it through npm (npm start, npm test, npm run bench): npm install brings Node.js ${major}, and npm's scripts use it.\n` +
      '  Or run node_modules/.bin/node in place of node.',
  );
}
