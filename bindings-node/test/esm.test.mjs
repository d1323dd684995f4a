// The ES module entry exports the same objects as the CommonJS entry.
import test from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'

import pl, { PatternEngine, PatternLearningError, processMessage, generateSignature } from '../index.mjs'

const require = createRequire(import.meta.url)
const cjs = require('../index.js')

test('ESM and CommonJS entries share one module instance', async () => {
  assert.equal(PatternEngine, cjs.PatternEngine)
  assert.equal(PatternLearningError, cjs.PatternLearningError)
  assert.equal(pl, cjs)
  assert.equal(processMessage, cjs.processMessage)
  for (const name of Object.keys(cjs)) {
    assert.ok(name in pl, name)
  }
  assert.equal(generateSignature('Thanks'), '71d3e8b42792b5e476804f4f7fbddc58')
  const d = await new PatternEngine().process('hello')
  assert.equal(d.action, 'escalate')
})
