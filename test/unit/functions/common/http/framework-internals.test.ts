/**
 * The Functions Framework's internals that functions/common/http/framework.ts
 * replaces, as this version has them: an upgrade that renames, moves or
 * reshapes one of them fails here, by name, before any patch silently
 * stops applying. docs/framework.md says what each patch is for.
 */
import {expect} from 'chai';
import {readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import * as path from 'node:path';

const main = require.resolve('@google-cloud/functions-framework');
const frameworkRequire = createRequire(main);
const source = (file: string) =>
  readFileSync(path.join(path.dirname(main), `${file}.js`), 'utf8');

describe("the Functions Framework's internals the patches rely on", () => {
  it('is a 5.0 release, the line the patches were written against', () => {
    const {version} = frameworkRequire('../../package.json') as {
      version: string;
    };
    expect(version).to.match(/^5\.0\.\d+$/);
  });

  it("wraps an HTTP function in function_wrappers' wrapUserFunction, with a domain", () => {
    const wrappers = frameworkRequire('./function_wrappers') as {
      wrapUserFunction?: unknown;
    };
    expect(wrappers.wrapUserFunction).to.be.a('function');
    expect(source('function_wrappers')).to.match(/require\("domain"\)/);
  });

  it("takes over the process in invoker's ErrorHandler.register, called once its server listens", () => {
    const invoker = frameworkRequire('./invoker') as {
      ErrorHandler?: {prototype?: {register?: unknown}};
    };
    expect(invoker.ErrorHandler?.prototype?.register).to.be.a('function');
    expect(source('main')).to.match(
      /new invoker_1\.ErrorHandler\(server\)[^]*?\.register\(\)/,
    );
  });

  it("gates its AsyncLocalStorage middleware on options' logExecutionIdSupported", () => {
    const options = frameworkRequire('./options') as Record<string, unknown>;
    expect(options).to.have.property('logExecutionIdSupported');
    expect(source('server')).to.match(/logExecutionIdSupported/);
  });

  it("parses bodies with body-parser inside Express's application.handle, skipping a body already read", () => {
    const express = frameworkRequire('express') as {
      application?: {handle?: unknown};
    };
    expect(express.application?.handle).to.be.a('function');
    expect(source('server')).to.match(/bodyParser\.json\(/);
    // body-parser leaves a request alone once its body has been read.
    const read = frameworkRequire.resolve('body-parser');
    expect(
      readFileSync(path.join(path.dirname(read), 'lib', 'read.js'), 'utf8') +
        readFileSync(
          path.join(path.dirname(read), 'lib', 'types', 'json.js'),
          'utf8',
        ),
    ).to.match(/_body|isFinished|hasBody/);
  });
});
