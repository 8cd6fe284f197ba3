/**
 * The body guards go on Express once per process, even when two copies of
 * functions/common/http/framework.ts are loaded (a second build beside the
 * first shares node_modules' one Express): guards applied twice would each
 * read and answer the same request.
 */
import {expect} from 'chai';
import {createRequire} from 'node:module';

const framework =
  require.resolve('../../../../../functions/common/http/framework');
const express = createRequire(
  require.resolve('@google-cloud/functions-framework'),
)('express') as {application: {handle: unknown}};

/** A fresh copy of the module, as a second build would load it. */
function freshCopy(): {installFrameworkPatches(): void} {
  delete require.cache[framework];
  return require(framework) as {installFrameworkPatches(): void};
}

describe('installFrameworkPatches, in two copies of its module', () => {
  it("guards Express's entry once", () => {
    freshCopy().installFrameworkPatches();
    const guarded = express.application.handle;
    freshCopy().installFrameworkPatches();
    expect(express.application.handle).to.equal(guarded);
  });
});
