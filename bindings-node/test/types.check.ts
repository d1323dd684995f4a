// Compiled by `tsc -p test/tsconfig.json` (never run): the published types describe
// the API the tests exercise, and misuse is a type error.
import {
  PatternEngine,
  PatternLearningError,
  ErrorCode,
  createV1Service,
  extractLocationAndBox,
  findBestAutomation,
  PatternLearningService,
  patternLearningService,
  patternSafetyService,
  processMessage,
  generateSignature,
  type Decision,
  type PatternResult,
  type Config,
  type ConfigPatch,
  type BulkReport,
  type Selection,
  type Metrics,
  type EngineEvent,
} from '../index.js'

function observability(): void {
  const engine = new PatternEngine({ environment: 'production', config: { alerts: { precisionFloor: 0.9 } } })
  const m: Metrics = engine.metrics()
  const precision: number | null | undefined = m.suggestionPrecision
  const autoSends: number = m.decisionsByAction['auto_execute']
  const text: string = engine.prometheus() + engine.explainConfig()
  const sub = engine.subscribe((event: EngineEvent) => {
    if (event.type === 'decision' && event.decision) {
      const metric = `routing.${event.decision.action}`
      void [metric, event.decision.confidence]
    }
  }, 256)
  sub.unsubscribe()
  void [precision, autoSends, text, sub.dropped]
  // @ts-expect-error: an unknown environment is a type error
  void new PatternEngine({ environment: 'prod-eu' })
}
void observability

async function modern(): Promise<void> {
  const engine = new PatternEngine({ profile: 'v1', config: { shadowMode: true, thresholds: { auto: 0.9 } } })
  const d: Decision = await engine.process('hello', { conversationId: 'c', embedding: new Float32Array(4) })
  const action: 'auto_execute' | 'suggest' | 'queue' | 'escalate' | 'shadow' = d.action
  const confidence: number = d.confidence
  await engine.feedback({ query: 'hi', feedback: { rating: 'helpful' }, decisionId: d.id })
  await engine.feedback({ query: 'hi', action: 'answer', sentReply: 'hello!' })
  const p = await engine.createPattern({ triggerExamples: ['a'], responseTemplate: 'b', embeddings: [[1, 0]] })
  await engine.updatePattern(p.id, { confidence: 0.5 })
  const c: Config = engine.setConfig({ guards: { maxAutoSendsPerHour: null } })
  const patch: ConfigPatch = { enabled: false }
  engine.setConfig(patch)
  void [action, confidence, c]
  // @ts-expect-error: an unknown action is a type error
  await engine.feedback({ query: 'hi', action: 'like' })
  try {
    await engine.deletePattern(1)
  } catch (err) {
    if (err instanceof PatternLearningError && err.code === ErrorCode.UNKNOWN_PATTERN) return
  }
}

async function durable(): Promise<void> {
  const engine: PatternEngine = await PatternEngine.open('patterns.db', { profile: 'v1' })
  const isDurable: boolean = engine.durable && !engine.closed
  const selection: Selection = { maxConfidence: 0.4, unusedSince: new Date(), provenance: 'learned' }
  const report: BulkReport = await engine.bulk('deactivate', selection, { dryRun: true })
  const ids: number[] = report.changes.map((c) => c.patternId)
  const wasActive: boolean = report.changes[0].before.isActive
  await engine.bulk('revoke_auto', { ids })
  const p = await engine.undo(engine.history()[0].seq)
  engine.close()
  void [isDurable, wasActive, p.isDeleted]
  // @ts-expect-error: an unknown bulk action is a type error
  await engine.bulk('explode', {})
  // @ts-expect-error: an unknown provenance is a type error
  await engine.bulk('delete', { provenance: 'borrowed' })
  try {
    await PatternEngine.open('patterns.db')
  } catch (err) {
    if (err instanceof PatternLearningError && (err.code === ErrorCode.STORE_LOCKED || err.code === 'ENGINE_CLOSED')) return
  }
}

async function v1(): Promise<void> {
  const r: PatternResult = await processMessage('hi', '+1', 42, 'Sam')
  const sent: string | undefined = r.action === 'auto_execute' ? r.response : r.pattern?.pattern_type
  await patternLearningService.learnFromHumanResponse('hi', 'hello', [], 42, '+1')
  const t = await patternSafetyService.getSafetyThresholds()
  const n: number = t.aiResponseLimit
  const service = createV1Service({ logger: null, config: { shadowMode: true } })
  const s: string = service.generateSignature('x') + generateSignature('y')
  void [n, s, sent]
}

async function adopted(): Promise<void> {
  await patternLearningService.ready()
  const service: PatternLearningService = createV1Service({ store: 'postgres://app@db/clubos' })
  const engine: PatternEngine = await service.ready()
  const imported: number[] = (await service.importV1Patterns()).imported
  const approval = await service.checkPatternApproval(7)
  const needs: boolean = approval.requiresApproval && approval.approvalCount < approval.threshold
  const outcome = await service.updatePatternConfidence('7', true)
  const plan = await service.planConversationSteps('hi', 42, {})
  const best = findBestAutomation('my trackman is frozen')
  const feature: string | null = best.feature
  const where: string | undefined = extractLocationAndBox('bedford box 2').box
  void [engine, imported, needs, outcome?.promoted, plan.current_step, feature, where]
  // @ts-expect-error: the store is a location string
  createV1Service({ store: 42 })
}

void modern
void durable
void v1
void adopted
