// Installed-package check (TypeScript, compiled with tsc --strict, then run in the
// folder the package was installed into): the published types as a TypeScript backend
// uses them — a durable engine, a decision narrowed by its action, feedback, metrics,
// events, typed errors, V1's processMessage.
import {
  PatternEngine,
  PatternLearningError,
  processMessage,
  type Action,
  type Decision,
  type EngineEvent,
  type ErrorCode,
  type Metrics,
  type PatternResult,
} from '@clubos/pattern-learning'

function describe(d: Decision): string {
  const action: Action = d.action
  switch (action) {
    case 'auto_execute':
      return `send "${d.outbound?.text ?? ''}"`
    case 'suggest':
    case 'queue':
      return `propose "${d.response ?? ''}" (${d.confidence.toFixed(2)})`
    case 'escalate':
    case 'shadow':
      return `hand off: ${d.reason}`
  }
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`typescript consumer: ${what}`)
}

// The types are strict: each line is a compile error (tsc fails if one is not). Never called.
function typeErrors(engine: PatternEngine): void {
  // @ts-expect-error the message is a string
  void engine.process(42)
  // @ts-expect-error no such action
  const wrong: Action = 'send'
  // @ts-expect-error feedback needs its query
  void engine.feedback({ action: 'approve' })
  // @ts-expect-error an event's decision may be absent
  const confidence: number = ({} as EngineEvent).decision.confidence
  void wrong
  void confidence
}

async function main(): Promise<void> {
  const engine: PatternEngine = await PatternEngine.open('patterns.db', { profile: 'seed' })
  const actions: Action[] = []
  const sub = engine.subscribe((event: EngineEvent) => {
    if (event.decision) actions.push(event.decision.action)
  })
  const first = await engine.process('Do you sell gift cards?', { conversationId: 'ts-1' })
  check(first.action === 'escalate', describe(first))
  await engine.feedback({ query: 'Do you sell gift cards?', action: 'answer', sentReply: 'Yes, online.' })
  const next = await engine.process('do you sell gift cards', { conversationId: 'ts-2' })
  check(next.response === 'Yes, online.', describe(next))
  const m: Metrics = engine.metrics()
  const precision: number | null = m.suggestionPrecision
  check(m.decisions === 2 && precision === null, 'metrics')
  check(engine.prometheus().includes('pattern_learning_decisions_total'), 'prometheus text')
  const v1: PatternResult = await processMessage('Hello there', '+19025550100', 'ts-3')
  check(v1.reason === 'no_matching_pattern', 'V1 processMessage')
  try {
    await engine.deletePattern(99)
    check(false, 'deletePattern(99) must fail')
  } catch (err: unknown) {
    const code: ErrorCode | undefined = err instanceof PatternLearningError ? err.code : undefined
    check(code === 'UNKNOWN_PATTERN', `error code ${String(code)}`)
  }
  sub.unsubscribe()
  engine.close()
  console.log(`typescript consumer ok: ${describe(next)}, ${m.decisions} decisions, V1 ${v1.action}/${v1.reason}`)
}

void typeErrors
// A failure rejects: an unhandled rejection ends node with a non-zero status.
void main()
