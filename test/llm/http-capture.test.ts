import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyFailure } from '../../src/llm/http-capture.js';

const aborted = (): AbortSignal => {
  const c = new AbortController();
  c.abort();
  return c.signal;
};

describe('classifyFailure', () => {
  // a streamed answer whose headers came (HTTP 200) and whose body the call's signal then cut, as
  // the Anthropic SDK reports it: an abort or a timeout, not a malformed body
  const cut = new Error('Request was aborted.');
  it('takes a good status with a body cut by the call signal for the abort or the timeout it was', () => {
    assert.equal(classifyFailure(cut, { request: undefined, status: 200, responseText: '' }, aborted(), false).errorClass, 'aborted');
    assert.equal(classifyFailure(cut, { request: undefined, status: 200, responseText: '' }, aborted(), true).errorClass, 'timeout');
    assert.equal(classifyFailure(cut, { request: undefined, status: 200 }, aborted(), false).errorClass, 'aborted');
  });
  it('still takes a bad body with no abort for malformed, and an error status for what it says', () => {
    assert.equal(
      classifyFailure(new SyntaxError('bad json'), { request: undefined, status: 200, responseText: '{' }, new AbortController().signal, false).errorClass,
      'malformed_response',
    );
    assert.equal(
      classifyFailure(cut, { request: undefined, status: 429, responseText: '{"error":{"message":"slow down"}}' }, aborted(), false).errorClass,
      'rate_limited',
    );
  });
});
