'use strict'

// Error codes: one per kind, from the core's error table, and the same code as the
// Python binding for the same bad configuration patch.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const { PatternEngine, PatternLearningError, ErrorCode } = require('..')
const { errorKinds } = require('../native.js')
const { wrapError } = require('../lib/errors.js')

/** Bad (and one good) configuration patches with the code every binding gives them. */
const PATCH_CASES = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', '..', 'core', 'tests', 'data', 'config_patches.json'), 'utf8'),
)

test('ErrorCode is exactly the error table, STORE_CONFLICT included', () => {
  const table = errorKinds().map((k) => k.code)
  assert.deepEqual(Object.keys(ErrorCode), table)
  for (const [key, value] of Object.entries(ErrorCode)) assert.equal(key, value)
  assert.equal(ErrorCode.STORE_CONFLICT, 'STORE_CONFLICT')
  assert.ok(errorKinds().every((k) => k.meaning.length > 0))
})

test('every code of the table becomes a PatternLearningError', () => {
  for (const code of Object.keys(ErrorCode)) {
    const native = Object.assign(new Error(`${code}: something`), { code })
    const err = wrapError(native, 'call')
    assert.ok(err instanceof PatternLearningError, code)
    assert.equal(err.code, code)
  }
})

for (const { patch, code, key } of PATCH_CASES) {
  test(`config patch ${JSON.stringify(patch)}: ${code ?? 'accepted'}, as in Python`, () => {
    const calls = [() => new PatternEngine({ config: patch }), () => new PatternEngine().setConfig(patch)]
    for (const call of calls) {
      if (code === null) {
        call()
        continue
      }
      assert.throws(call, (err) => {
        assert.ok(err instanceof PatternLearningError, String(err))
        assert.equal(err.code, code, err.message)
        if (key !== null) assert.ok(err.message.includes(`\`${key}\``), err.message)
        return true
      })
    }
  })
}
