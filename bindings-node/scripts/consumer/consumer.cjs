// Installed-package check (CommonJS): require the package by name and process a message.
'use strict'
const assert = require('node:assert/strict')
const { PatternEngine, PatternLearningError, processMessage } = require('@clubos/pattern-learning')

async function main() {
  const engine = new PatternEngine({ profile: 'v1' })
  await engine.feedback({ query: 'Do you sell gift cards?', action: 'answer', sentReply: 'Yes, online.' })
  const d = await engine.process('do you sell gift cards', { conversationId: 'cjs-1' })
  assert.equal(d.response, 'Yes, online.')
  const r = await processMessage('Hello there', '+19025550100', 'cjs-2')
  assert.equal(r.reason, 'no_matching_pattern')
  await assert.rejects(engine.deletePattern(99), PatternLearningError)
  console.log(`commonjs consumer ok: ${d.action} (confidence ${d.confidence.toFixed(2)}), V1 ${r.action}/${r.reason}`)
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
