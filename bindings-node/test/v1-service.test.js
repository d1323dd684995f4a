'use strict'

// The V1 service as the backend adopts it: durable from configuration, production
// without a store refused, first-boot settings, and the rest of V1's surface
// (legacy automations, follow-up helpers, pattern calls). Golden vectors come from
// the core's data files (core/tests/data).

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const pl = require('..')
const { createV1Service, PatternLearningService, PatternLearningError, ErrorCode } = pl

const DATA = path.join(__dirname, '..', '..', 'core', 'tests', 'data')
const GIFT = 'Yes! Gift cards are sold online, from $25 to $500.'

function golden(file) {
  return JSON.parse(fs.readFileSync(path.join(DATA, file), 'utf8'))
}

function tempStore(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pl-v1-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  return path.join(dir, 'patterns.db')
}

/** Runs `fn` with environment variables set, then restores them. */
async function withEnv(vars, fn) {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]))
  Object.assign(process.env, vars)
  try {
    return await fn()
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
}

function quiet() {
  const logged = []
  return { logged, logger: { error: (m) => logged.push(m) } }
}

test('legacy automations and follow-up helpers reproduce V1 (core/tests/data)', () => {
  for (const row of golden('v1_automations.json').cases) {
    const best = pl.findBestAutomation(row.message)
    assert.equal(best.feature, row.feature, row.message)
    assert.equal(best.confidence, row.confidence, row.message)
    assert.deepEqual(best.matches, row.matches, row.message)
    for (const [feature, score] of Object.entries(row.scores)) {
      assert.equal(pl.calculateConfidence(row.message, feature).confidence, score, `${row.message} ${feature}`)
    }
  }
  const data = golden('v1_cues.json')
  for (const row of data.cues) {
    assert.equal(pl.isEscalationMessage(row.message), row.escalation, row.message)
    assert.equal(pl.isSuccessMessage(row.message), row.success, row.message)
  }
  for (const { message, ...expected } of data.locations) {
    assert.deepEqual(pl.extractLocationAndBox(message), expected, message)
  }
  assert.throws(() => pl.calculateConfidence('hi', 'hours_of_operation'), (err) => err.code === 'PARSE_ERROR')
  assert.throws(() => pl.findBestAutomation(42), (err) => err.code === 'INVALID_ARGUMENT')
})

test('V1 exports its class name; planConversationSteps is V1\'s result without a model', async () => {
  assert.equal(pl.PatternLearningService, pl.V1Service)
  const service = new PatternLearningService({ logger: null })
  assert.deepEqual(await service.planConversationSteps('the trackman is frozen', 'c1', {}), {
    steps: [{ step: 1, action: 'respond', description: 'Send response to customer' }],
    current_step: 1,
    estimated_resolution_time: 'immediate',
  })
})

test('a service with a store keeps what it learned and what an admin set across a restart', async (t) => {
  const store = tempStore(t)
  const first = createV1Service({ store, config: { shadowMode: true }, logger: null })
  assert.throws(() => first.engine, (err) => err instanceof PatternLearningError && err.code === ErrorCode.ENGINE_CLOSED)
  const engine = await first.ready()
  assert.equal(engine.durable, true)
  assert.equal((await first.getConfig()).shadowMode, true, 'first boot: the options are the settings')
  const learned = await first.learnFromHumanResponse('do you sell gift cards?', GIFT, [], 'c1', '+1', 'op')
  assert.equal(learned.learned, true)
  // An admin turns shadow mode off, then the kill switch on, and changes a threshold.
  first.engine.setConfig({ shadowMode: false, enabled: false })
  await first.updateSafetyThresholds({ aiResponseLimit: 2 })
  first.close()

  const again = createV1Service({ store, config: { shadowMode: true }, logger: null })
  await again.ready()
  const config = await again.getConfig()
  assert.deepEqual(config, { enabled: false, openphoneEnabled: false, shadowMode: false }, 'the stored settings win')
  assert.equal((await again.getSafetyThresholds()).aiResponseLimit, 2)
  assert.equal(again.engine.patternCount, 1)
  const r = await again.processMessage('do you sell gift cards', '+1', 'c2')
  assert.equal(r.reason, 'pattern_learning_disabled')
  again.close()
})

test('PATTERN_LEARNING_STORE makes the default services durable; production without a store is refused', async (t) => {
  const store = tempStore(t)
  await withEnv({ PATTERN_LEARNING_STORE: store }, async () => {
    const service = new PatternLearningService({ logger: null })
    assert.equal((await service.ready()).durable, true)
    service.close()
  })
  await withEnv({ PATTERN_LEARNING_ENV: 'production', PATTERN_LEARNING_STORE: '' }, async () => {
    assert.throws(() => createV1Service(), (err) => {
      assert.ok(err instanceof PatternLearningError)
      assert.equal(err.code, 'INVALID_CONFIG')
      assert.match(err.message, /PATTERN_LEARNING_STORE/)
      return true
    })
    const { logged, logger } = quiet()
    const service = new PatternLearningService({ logger })
    await assert.rejects(service.ready(), (err) => err.code === 'INVALID_CONFIG')
    await assert.rejects(service.getSettings(), (err) => err.code === 'INVALID_CONFIG')
    assert.deepEqual(await service.processMessage('hi', '+1', 'c'), { action: 'escalate', reason: 'processing_error' })
    assert.match(logged[0], /processMessage failed: INVALID_CONFIG/)
    // Memory on purpose is allowed.
    assert.equal(createV1Service({ store: ':memory:', logger: null }).engine.durable, false)
  })
  await withEnv({ NODE_ENV: 'production', PATTERN_LEARNING_ENV: '', PATTERN_LEARNING_STORE: '' }, async () => {
    assert.throws(() => createV1Service(), (err) => err.code === 'INVALID_CONFIG')
  })
})

test('pattern calls: approvals, usage, confidence, examples (never reject)', async () => {
  const { logged, logger } = quiet()
  const service = createV1Service({ logger, safetySettings: { approvalThreshold: 2 } })
  const p = await service.engine.createPattern({ triggerExamples: ['wifi password?'], responseTemplate: 'On the wall.' })
  assert.deepEqual(await service.checkPatternApproval(p.id), { requiresApproval: true, approvalCount: 0, threshold: 2 })
  assert.equal(await service.recordPatternUsage(p.id, false), null)
  assert.equal((await service.recordPatternUsage(String(p.id), true)).action, 'approve')
  const up = await service.updatePatternConfidence(p.id, true, false, 'exec-1')
  const [before, after] = [up.confidenceChange.before, up.confidenceChange.after]
  assert.ok(Math.abs(after - before - 0.05) < 1e-9, 'the v1 profile: +0.05')
  assert.deepEqual(await service.checkPatternApproval(p.id), { requiresApproval: false, approvalCount: 2, threshold: 2 })
  const down = await service.updatePatternConfidence(p.id, false)
  assert.equal(down.action, 'reject')

  const sig = pl.generateSignature('what is the wifi password')
  assert.equal(await service.checkMinimumExamples(sig), false)
  for (const q of ['what is the wifi password', 'wifi pass?', 'the wifi password please', 'whats the wifi', 'wifi code?']) {
    const out = await service.recordLearningExample(sig, q, 'On the wall.')
    assert.equal(out.learned, true)
  }
  assert.equal(await service.checkMinimumExamples(sig), true)

  // Never reject: failures are logged and resolve to V1's values.
  assert.equal(await service.updatePatternConfidence(999, true), null)
  assert.equal(await service.recordPatternUsage(NaN, true), null)
  assert.deepEqual(await service.checkPatternApproval('x'), { requiresApproval: true, approvalCount: 0, threshold: 0 })
  assert.equal(await service.checkMinimumExamples(42), false)
  assert.deepEqual(await service.recordLearningExample(sig, 7, 8), { learned: false, skipped: 'error' })
  assert.equal(logged.length, 5)
})

test('importV1Patterns needs V1\'s PostgreSQL database', async (t) => {
  const service = createV1Service({ logger: null })
  await assert.rejects(service.importV1Patterns(), (err) => err.code === 'INVALID_ARGUMENT')
  const onFile = createV1Service({ store: tempStore(t), logger: null })
  await assert.rejects(onFile.importV1Patterns(), (err) => err.code === 'STORE_ERROR')
  onFile.close()
})
