// Smoke test of the installed npm package (scripts/release): process a message, learn
// from an answer, keep it in a store file, reopen the file, read the metrics.
'use strict'
const assert = require('node:assert/strict')
const { PatternEngine } = require('@clubos/pattern-learning')

async function main() {
  const file = 'patterns.db'
  let engine = await PatternEngine.open(file)
  const first = await engine.process('Do you sell gift cards?', { conversationId: 'c1' })
  assert.equal(first.action, 'escalate')
  await engine.feedback({ query: 'Do you sell gift cards?', action: 'answer', sentReply: 'Yes! Online.' })
  engine.close()

  engine = await PatternEngine.open(file)
  assert.equal(engine.patternCount, 1, 'the learned pattern is in the store file')
  const d = await engine.process('do you sell gift cards', { conversationId: 'c2' })
  assert.equal(d.response, 'Yes! Online.')
  const m = engine.metrics()
  assert.equal(m.decisions, 1)
  assert.match(engine.prometheus(), new RegExp(`pattern_learning_decisions_total\\{action="${d.action}",`))
  engine.close()
  console.log(`npm package OK: learned, stored, reopened; then ${d.action} (${d.confidence.toFixed(2)}); ${m.decisions} decision counted`)
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
