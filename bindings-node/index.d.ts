// Public types of @clubos/pattern-learning.
//
// The engine class and every data shape come from `native.d.ts`, which
// `napi build` generates from the Rust binding (src/*.rs); this file adds what the
// JavaScript layer (index.js, lib/) defines: the error class and V1's services.

import type {
  AutomationScore,
  BestAutomation,
  Config,
  ConversationPlan,
  EngineOptions,
  FeedbackOutcome,
  LearnResult as NativeLearnResult,
  LocationAndBox,
  PatternApproval,
  PatternResult,
  Profile,
  SafetySettings,
  SafetyThresholds,
  SafetyVerdict,
  SentimentRule,
  V1ConfigView,
  V1PatternsImport,
  V1ProcessOptions,
} from './native'

export { PatternEngine } from './native'
export type {
  Action,
  AlertRules,
  AlertType,
  AutomationScore,
  BestAutomation,
  BulkAction,
  BulkChange,
  BulkOptions,
  BulkReport,
  ConfidenceChange,
  Config,
  ConversationPlan,
  CustomerToErase,
  Decision,
  EngineEvent,
  EngineOptions,
  ErasureCounts,
  ErrorCounts,
  EventSubscription,
  Evidence,
  FallbackMessages,
  Feedback,
  FeedbackAction,
  FeedbackContext,
  FeedbackCounts,
  FeedbackEvent,
  FeedbackOutcome,
  FeedbackRating,
  GateCheck,
  Gates,
  GuardLimits,
  Histogram,
  HourCount,
  LearningRates,
  LocationAndBox,
  MessageContext,
  Metrics,
  NewPattern,
  Outbound,
  OutboundKind,
  Pattern,
  PatternApproval,
  PatternCounts,
  PatternEvent,
  PatternFilter,
  PatternResult,
  PatternState,
  PatternUpdate,
  PlanStep,
  Profile,
  Promotion,
  Rating,
  Retention,
  SafetySettings,
  SafetyThresholds,
  SafetyVerdict,
  Selection,
  SentimentRule,
  Severity,
  Thresholds,
  V1ConfigView,
  V1PatternRow,
  V1PatternsImport,
  V1ProcessOptions,
  V1Reasoning,
} from './native'

/**
 * A value class (`Decision`, `FeedbackOutcome`, `Pattern`) as the plain object its
 * `toJSON()` returns: every property, no methods. `JSON.stringify` writes this.
 */
export type Plain<T> = { [K in keyof T as T[K] extends (...args: never[]) => unknown ? never : K]: T[K] }

declare module './native' {
  interface Decision {
    /** The whole decision as a plain object (what `JSON.stringify` writes). */
    toJSON(): Plain<Decision>
  }
  interface FeedbackOutcome {
    /** The whole outcome as a plain object (what `JSON.stringify` writes). */
    toJSON(): Plain<FeedbackOutcome>
  }
  interface Pattern {
    /** The whole pattern as a plain object (what `JSON.stringify` writes). */
    toJSON(): Plain<Pattern>
  }
}

/** A partial configuration: top-level keys, nested sections merged key by key. */
export type ConfigPatch = NonNullable<EngineOptions['config']>

// ---------------------------------------------------------------------------------
// Errors

/**
 * Every code a `PatternLearningError` can carry: the core's error table
 * (`docs/errors.md`; a test of the binding checks this list against it). Codes are
 * stable.
 */
export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'INVALID_CONFIG'
  | 'THRESHOLDS_OUT_OF_ORDER'
  | 'UNKNOWN_SETTING'
  | 'UNKNOWN_PATTERN'
  | 'UNKNOWN_DECISION'
  | 'INVALID_PATTERN'
  | 'TEXT_TOO_LONG'
  | 'INVALID_FEEDBACK'
  | 'INVALID_CUSTOMER'
  | 'INVALID_EMBEDDING'
  | 'INVALID_RULE'
  | 'PARSE_ERROR'
  | 'SCHEMA_TOO_NEW'
  | 'CORRUPT_STORE'
  | 'STORE_LOCKED'
  | 'STORE_ERROR'
  | 'STORE_CONFLICT'
  | 'TLS_ERROR'
  | 'INVALID_MODEL'
  | 'FEATURE_NOT_ENABLED'
  | 'IMPORT_ERROR'
  | 'ENGINE_CLOSED'
  | 'PATTERN_LEARNING_ERROR'
  | 'INTERNAL'

/** The codes as constants: `ErrorCode.UNKNOWN_PATTERN === 'UNKNOWN_PATTERN'`. */
export declare const ErrorCode: { readonly [K in ErrorCode]: K }

/**
 * Every error this package throws or rejects with. `code` says what went wrong;
 * wrong argument types get `INVALID_ARGUMENT`.
 */
export declare class PatternLearningError extends Error {
  constructor(code: ErrorCode, message: string, options?: ErrorOptions)
  readonly name: 'PatternLearningError'
  readonly code: ErrorCode
}

// ---------------------------------------------------------------------------------
// V1 services

/** What `learnFromHumanResponse` / `recordOperatorResponse` did. */
export interface LearnResult extends Omit<NativeLearnResult, 'skipped'> {
  /** Why nothing was learned: the reply carries `- ClubAI`, has no words, or the call failed (logged). */
  skipped?: 'ai_reply' | 'no_text' | 'error'
}

/** Where V1 services log the failures they swallow (default: `console`). */
export interface Logger {
  error(message: string): void
}

/** Options of `createV1Service`. */
export interface V1ServiceOptions {
  /** Use this engine (shared with the modern API) instead of creating one. */
  engine?: import('./native').PatternEngine
  /**
   * Where the engine keeps its state: a `postgres://` / `postgresql://` URL, a file
   * path, or `':memory:'`. Default: the variable `PATTERN_LEARNING_STORE`; without
   * either, memory — refused in production (`INVALID_CONFIG`, key `store`).
   */
  store?: string
  /** Profile of the engine created (default `'v1'`); with a store, a first-boot value. */
  profile?: Profile
  /** Configuration overrides (default adds `aiSignature: '- ClubAI'`); with a store, first-boot values. */
  config?: ConfigPatch
  /** Safety thresholds overrides; with a store, first-boot values. */
  safetyThresholds?: Partial<SafetyThresholds>
  /** Safety settings overrides; with a store, first-boot values. */
  safetySettings?: Partial<SafetySettings>
  /** Where swallowed failures are logged; `null` for nowhere. */
  logger?: Logger | null
}

/** A V1 conversation id, phone number or operator id: V1 passed numbers too. */
export type V1Id = string | number

/** V1's `patternLearningService`. */
export interface PatternLearningServiceApi {
  /**
   * The engine behind the service (modern API on the same patterns). A service with
   * a store throws `ENGINE_CLOSED` until it is open: `await ready()` first.
   */
  readonly engine: import('./native').PatternEngine
  /**
   * Opens the engine (once): on its store, off the JS thread, or in memory. Await it
   * at start-up: it rejects with `INVALID_CONFIG` (key `store`) in production without
   * a store, or with the store's error.
   */
  ready(): Promise<import('./native').PatternEngine>
  /**
   * Decides what to do with an inbound message. Never rejects: a failure resolves to
   * `{ action: 'escalate', reason: 'processing_error' }` and is logged.
   */
  processMessage(
    message: string,
    phoneNumber?: V1Id | null,
    conversationId?: V1Id | null,
    customerName?: string | null,
    options?: V1ProcessOptions,
  ): Promise<PatternResult>
  /**
   * An operator answered `originalMessage` by hand: learns the answer (unless it
   * carries `- ClubAI`) and records the operator takeover of the conversation.
   * `actionsTaken` is accepted for V1 compatibility and ignored. Never rejects.
   */
  learnFromHumanResponse(
    originalMessage: string,
    humanResponse: string,
    actionsTaken?: unknown,
    conversationId?: V1Id | null,
    phoneNumber?: V1Id | null,
    operatorId?: V1Id | null,
  ): Promise<LearnResult>
  /**
   * An operator replied to a message `patternId` was proposed for (approval or
   * approval with edits; the pattern's reply is never replaced), or, without a
   * pattern id, answered it (learned). Never rejects.
   */
  recordOperatorResponse(
    customerMessage: string,
    operatorResponse: string,
    phoneNumber?: V1Id | null,
    patternId?: number | string | null,
    operatorId?: V1Id | null,
  ): Promise<LearnResult>
  /**
   * A success is an approval (with edits when `humanModified`), a failure a
   * rejection, of the pattern. Resolves to what it changed, or `null` when it failed
   * (logged). `executionId` is accepted and ignored. Never rejects.
   */
  updatePatternConfidence(
    patternId: number | string,
    success: boolean,
    humanModified?: boolean,
    executionId?: unknown,
  ): Promise<FeedbackOutcome | null>
  /** V1's result without a model: one `respond` step. Never rejects. */
  planConversationSteps(message?: string, conversationId?: V1Id | null, customerContext?: unknown): Promise<ConversationPlan>
  /** `{ enabled, openphoneEnabled, shadowMode }` of the configuration in force. */
  getConfig(): Promise<V1ConfigView>
  /** V1's MD5 signature of a message. */
  generateSignature(message: string): string
  /**
   * Imports V1's `decision_patterns` (read-only) from V1's PostgreSQL database at
   * `url` (default: the service's store, when it is a PostgreSQL URL), once: rows
   * whose id the engine has are left alone.
   */
  importV1Patterns(url?: string): Promise<V1PatternsImport>
}

/** V1's `patternSafetyService`. */
export interface PatternSafetyServiceApi {
  /** The engine behind the service (see `PatternLearningServiceApi.engine`). */
  readonly engine: import('./native').PatternEngine
  /** Opens the engine (see `PatternLearningServiceApi.ready`). */
  ready(): Promise<import('./native').PatternEngine>
  /** Checks a message against the sentiment rules, blacklist and escalation keywords. */
  checkMessageSafety(message: string, conversationId?: V1Id | null, phoneNumber?: V1Id | null): Promise<SafetyVerdict>
  getSafetyThresholds(): Promise<SafetyThresholds>
  /** Updates the given keys (all or nothing); resolves to the thresholds in force. */
  updateSafetyThresholds(partial: Partial<SafetyThresholds>): Promise<SafetyThresholds>
  /** Restores the default sentiment rules; resolves to the thresholds in force. */
  resetSentimentPatterns(): Promise<SafetyThresholds>
  getDefaultSentimentPatterns(): SentimentRule[]
  getSettings(): Promise<SafetySettings>
  /** Updates the given keys (all or nothing); resolves to the settings in force. */
  updateSettings(settings: Partial<SafetySettings>): Promise<SafetySettings>
  /** Whether the pattern still needs operator approvals before it may auto-send. Never rejects. */
  checkPatternApproval(patternId: number | string): Promise<PatternApproval>
  /** An approved use is an operator approval; resolves to its outcome, or `null`. Never rejects. */
  recordPatternUsage(patternId: number | string, wasApproved: boolean): Promise<FeedbackOutcome | null>
  /** Whether the pattern holding a message with this V1 signature has `minExamplesRequired` examples. Never rejects. */
  checkMinimumExamples(patternSignature: string): Promise<boolean>
  /** Learns the operator's reply as an answer (`patternSignature`, `wasModified` ignored). Never rejects. */
  recordLearningExample(
    patternSignature: string,
    customerMessage: string,
    operatorResponse: string,
    wasModified?: boolean,
  ): Promise<LearnResult>
}

/** Both V1 services on one engine, plus V1's topic helpers (V1's class name). */
export declare class PatternLearningService implements PatternLearningServiceApi, PatternSafetyServiceApi {
  /** A service whose engine opens on first use (or `ready()`). Prefer `createV1Service`. */
  constructor(options?: V1ServiceOptions)
  readonly engine: import('./native').PatternEngine
  ready: PatternLearningServiceApi['ready']
  /** Releases the engine (and its store) now; later calls fail with `ENGINE_CLOSED`. */
  close(): void
  processMessage: PatternLearningServiceApi['processMessage']
  learnFromHumanResponse: PatternLearningServiceApi['learnFromHumanResponse']
  recordOperatorResponse: PatternLearningServiceApi['recordOperatorResponse']
  updatePatternConfidence: PatternLearningServiceApi['updatePatternConfidence']
  planConversationSteps: PatternLearningServiceApi['planConversationSteps']
  getConfig: PatternLearningServiceApi['getConfig']
  generateSignature: PatternLearningServiceApi['generateSignature']
  importV1Patterns: PatternLearningServiceApi['importV1Patterns']
  checkPatternApproval: PatternSafetyServiceApi['checkPatternApproval']
  recordPatternUsage: PatternSafetyServiceApi['recordPatternUsage']
  checkMinimumExamples: PatternSafetyServiceApi['checkMinimumExamples']
  recordLearningExample: PatternSafetyServiceApi['recordLearningExample']
  checkMessageSafety: PatternSafetyServiceApi['checkMessageSafety']
  getSafetyThresholds: PatternSafetyServiceApi['getSafetyThresholds']
  updateSafetyThresholds: PatternSafetyServiceApi['updateSafetyThresholds']
  resetSentimentPatterns: PatternSafetyServiceApi['resetSentimentPatterns']
  getDefaultSentimentPatterns: PatternSafetyServiceApi['getDefaultSentimentPatterns']
  getSettings: PatternSafetyServiceApi['getSettings']
  updateSettings: PatternSafetyServiceApi['updateSettings']
  detectMessageTopic(message: string): string
  getTopicLabel(topic?: string | null): string
  isSameTopic(a?: string | null, b?: string | null): boolean
  getAvailableTopics(): string[]
}

/** The same class under the name earlier versions of this package used. */
export declare const V1Service: typeof PatternLearningService
export type V1Service = PatternLearningService
/**
 * A V1 service with its own engine; throws a `PatternLearningError` for bad options
 * and in production without a store. With a store it starts opening it: await
 * `service.ready()`.
 */
export declare function createV1Service(options?: V1ServiceOptions): PatternLearningService
/** The service behind the module-level V1 functions and the two singletons. */
export declare function defaultV1Service(): PatternLearningService
/** V1's `patternLearningService` singleton (default engine, created on first use). */
export declare const patternLearningService: PatternLearningServiceApi
/** V1's `patternSafetyService` singleton (the same default engine). */
export declare const patternSafetyService: PatternSafetyServiceApi

export declare const processMessage: PatternLearningServiceApi['processMessage']
export declare const learnFromHumanResponse: PatternLearningServiceApi['learnFromHumanResponse']
export declare const recordOperatorResponse: PatternLearningServiceApi['recordOperatorResponse']
export declare const updatePatternConfidence: PatternLearningServiceApi['updatePatternConfidence']
export declare const planConversationSteps: PatternLearningServiceApi['planConversationSteps']
export declare const getConfig: PatternLearningServiceApi['getConfig']
export declare const checkMessageSafety: PatternSafetyServiceApi['checkMessageSafety']
export declare const getSafetyThresholds: PatternSafetyServiceApi['getSafetyThresholds']
export declare const updateSafetyThresholds: PatternSafetyServiceApi['updateSafetyThresholds']
export declare const resetSentimentPatterns: PatternSafetyServiceApi['resetSentimentPatterns']
export declare const getDefaultSentimentPatterns: PatternSafetyServiceApi['getDefaultSentimentPatterns']
export declare const getSettings: PatternSafetyServiceApi['getSettings']
export declare const updateSettings: PatternSafetyServiceApi['updateSettings']
export declare const checkPatternApproval: PatternSafetyServiceApi['checkPatternApproval']
export declare const recordPatternUsage: PatternSafetyServiceApi['recordPatternUsage']
export declare const checkMinimumExamples: PatternSafetyServiceApi['checkMinimumExamples']
export declare const recordLearningExample: PatternSafetyServiceApi['recordLearningExample']

// ---------------------------------------------------------------------------------
// Pure functions (synchronous)

/** V1's `generateSignature`: MD5 hex of V1's normalisation of the message. */
export declare function generateSignature(message: string): string
/** The stable signature this library uses (Unicode-aware). */
export declare function signature(message: string): string
/** V1's `detectMessageTopic`: `tech_support`, `access`, `booking`, `gift_cards`, `pricing`, `membership`, `hours` or `general`. */
export declare function detectMessageTopic(message: string): string
/** V1's `getTopicLabel`; unknown names get `General Inquiry`. */
export declare function getTopicLabel(topic?: string | null): string
/** V1's `isSameTopic`; missing names count as `general`. */
export declare function isSameTopic(a?: string | null, b?: string | null): boolean
/** V1's `getAvailableTopics`: every topic, highest priority first. */
export declare function getAvailableTopics(): string[]
/** V1's `isEscalationMessage`: the customer says the issue is still unresolved ("still not working", "didn't help"). */
export declare function isEscalationMessage(message: string): boolean
/** V1's `isSuccessMessage`: the customer says the issue is resolved ("works now", "thanks"). */
export declare function isSuccessMessage(message: string): boolean
/** V1's `extractLocationAndBox`: the first site and box number named (absent when not found). */
export declare function extractLocationAndBox(message: string): { location?: string; box?: string }
/** V1's legacy automation score of `feature` (`booking_change`, `gift_cards`, `trackman_reset`); another feature throws `PARSE_ERROR`. */
export declare function calculateConfidence(message: string, feature: string): AutomationScore
/** V1's `findBestAutomation`: the legacy automation with the highest score at or above its minimum, if any. */
export declare function findBestAutomation(message: string): BestAutomation
