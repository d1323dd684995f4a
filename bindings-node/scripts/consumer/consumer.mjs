// Installed-package check (ES module): import the package by name and process a message.
import assert from 'node:assert/strict'
import pl, { PatternEngine, createV1Service, generateSignature } from '@clubos/pattern-learning'

const engine = new PatternEngine()
await engine.feedback({ query: 'Is there wifi?', action: 'answer', sentReply: 'Yes: network Clubhouse, no password.' })
const d = await engine.process('is there wifi', { conversationId: 'esm-1' })
assert.equal(d.response, 'Yes: network Clubhouse, no password.')
const service = createV1Service({ engine })
const r = await service.processMessage('is there wifi?', '+19025550100', 'esm-2')
assert.equal(r.pattern.trigger_text, 'Is there wifi?')
assert.equal(generateSignature('Thanks'), '71d3e8b42792b5e476804f4f7fbddc58')
assert.equal(pl.PatternEngine, PatternEngine)
console.log(`esm consumer ok: ${d.action} (confidence ${d.confidence.toFixed(2)}), V1 ${r.action}`)
