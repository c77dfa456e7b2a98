/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** A new version of a prompt; its number is the last one plus one. */
export type CreatePromptVersionInput = {
  /** Why this version is made. */
  commitMessage?: string | null | undefined;
  /** Template messages sent after `system`; may hold `{{variable}}` slots. */
  messages?: Array<PromptMessageInput> | null | undefined;
  /** A model of the catalog (`models`); null: the configured default model. */
  modelId?: string | null | undefined;
  /** Inference parameters. */
  params?: ModelParamsInput | null | undefined;
  /** The prompt name. */
  prompt: string;
  /** Let the response cache share answers of this version across API keys (default false). */
  shareable?: boolean | null | undefined;
  /** May hold {{variable}} slots. */
  system?: string | null | undefined;
};

/** Promote only if an eval run of the version on this set scores at least minScore. */
export type EvalGateInput = {
  /** The eval set to run. */
  evalSet: string;
  /** Also refuse when the score is lower by more than this than the score of the version the label points at now (evaluated on the same set). */
  maxRegression?: number | null | undefined;
  /** Also require at least this share of cases passed (0..1). */
  minPassRate?: number | null | undefined;
  /** The lowest run score (0..1) that lets the label move. */
  minScore: number;
  /** Run the cases on this model (default: routed as in production). */
  modelId?: string | null | undefined;
};

/** QUEUED → RUNNING → SUCCEEDED or FAILED; CANCELLED when cancelEvalRun stopped it. */
export type EvalRunStatus =
  /** Stopped by cancelEvalRun. */
  | 'CANCELLED'
  /** The run could not finish (see `error`). */
  | 'FAILED'
  /** Waiting for a worker. */
  | 'QUEUED'
  /** Cases are being generated and scored. */
  | 'RUNNING'
  /** Every case was scored. */
  | 'SUCCEEDED';

/** maxTokens 1..200000, temperature and topP 0..1, at most 4 stop sequences. */
export type ModelParamsInput = {
  /** Output cap in tokens, 1..200000. */
  maxTokens?: number | null | undefined;
  /** Sequences that end the output: at most 4, each 1..200 characters. */
  stopSequences?: Array<string> | null | undefined;
  /** Sampling temperature, 0..1. */
  temperature?: number | null | undefined;
  /** Nucleus sampling, 0..1. */
  topP?: number | null | undefined;
};

/** Moves a label to a version, optionally behind an eval gate. */
export type PromoteInput = {
  /** With a gate, the label moves only if an eval run of the version scores well enough. */
  gate?: EvalGateInput | null | undefined;
  /** Lowercase label name; `latest` is implicit and cannot be set. */
  label: string;
  /** The prompt name. */
  prompt: string;
  /** The version number to point the label at. */
  version: number;
};

/** A template message of a new prompt version. */
export type PromptMessageInput = {
  /** May hold {{variable}} slots. */
  content: string;
  /** Who says it. */
  role: Role;
};

/** The speaker of a prompt message. */
export type Role =
  /** The model. */
  | 'ASSISTANT'
  /** The user. */
  | 'USER';

/** Runs an eval set on a prompt version (by number or label; default the production label). */
export type RunEvalInput = {
  /** The eval set name. */
  evalSet: string;
  /** A label that selects the version. */
  label?: string | null | undefined;
  /** Run every case on this model (routing keeps it); default: the pipeline routes as in production. */
  modelId?: string | null | undefined;
  /** The prompt name. */
  prompt: string;
  /** Answer with a finished run of the same version, set content and model when there is one, instead of a new run (default false). */
  reuse?: boolean | null | undefined;
  /** A version number (else `label`, else `production`). */
  version?: number | null | undefined;
};

export type RunSummaryFragment = { id: string, prompt: string, promptVersion: number, modelId: string, status: EvalRunStatus, error: string | null, score: number | null, passRate: number | null, costUsd: number | null, caseCount: number, doneCount: number, passedCount: number, startedAt: string | null, finishedAt: string | null, evalSet: { name: string } };

export type RunEvalMutationVariables = Exact<{
  input: RunEvalInput;
}>;


export type RunEvalMutation = { runEval: { id: string, prompt: string, promptVersion: number, modelId: string, status: EvalRunStatus, error: string | null, score: number | null, passRate: number | null, costUsd: number | null, caseCount: number, doneCount: number, passedCount: number, startedAt: string | null, finishedAt: string | null, evalSet: { name: string } } };

export type EvalRunProgressSubscriptionVariables = Exact<{
  id: string | number;
}>;


export type EvalRunProgressSubscription = { evalRunProgress: { id: string, status: EvalRunStatus, doneCount: number, caseCount: number, score: number | null, passRate: number | null } };

export type EvalRunResultsQueryVariables = Exact<{
  id: string | number;
  first?: number | null | undefined;
  after?: number | null | undefined;
}>;


export type EvalRunResultsQuery = { evalRun: { id: string, prompt: string, promptVersion: number, modelId: string, status: EvalRunStatus, error: string | null, score: number | null, passRate: number | null, costUsd: number | null, caseCount: number, doneCount: number, passedCount: number, startedAt: string | null, finishedAt: string | null, results: Array<{ position: number, passed: boolean, score: number, output: string | null, error: string | null, judgeScore: number | null, judgeReason: string | null, latencyMs: number | null, scores: unknown, case: { input: string | null, expected: string | null } }>, evalSet: { name: string } } | null };

export type PromptVersionLookupQueryVariables = Exact<{
  prompt: string;
  label?: string | null | undefined;
}>;


export type PromptVersionLookupQuery = { prompt: { version: { number: number } | null } | null };

export type PromoteMutationVariables = Exact<{
  input: PromoteInput;
}>;


export type PromoteMutation = { promotePromptVersion: { promoted: boolean, reason: string | null, label: { name: string, version: { number: number } } | null, evalRun: { id: string, prompt: string, promptVersion: number, modelId: string, status: EvalRunStatus, error: string | null, score: number | null, passRate: number | null, costUsd: number | null, caseCount: number, doneCount: number, passedCount: number, startedAt: string | null, finishedAt: string | null, evalSet: { name: string } } | null } };

export type RollbackMutationVariables = Exact<{
  prompt: string;
  label: string;
}>;


export type RollbackMutation = { rollbackPromptLabel: { name: string, version: { number: number } } };

export type CreateVersionMutationVariables = Exact<{
  input: CreatePromptVersionInput;
}>;


export type CreateVersionMutation = { createPromptVersion: { number: number, variables: Array<string> } };

export const RunSummaryFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"RunSummary"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"EvalRun"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"prompt"}},{"kind":"Field","name":{"kind":"Name","value":"promptVersion"}},{"kind":"Field","name":{"kind":"Name","value":"modelId"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"passRate"}},{"kind":"Field","name":{"kind":"Name","value":"costUsd"}},{"kind":"Field","name":{"kind":"Name","value":"caseCount"}},{"kind":"Field","name":{"kind":"Name","value":"doneCount"}},{"kind":"Field","name":{"kind":"Name","value":"passedCount"}},{"kind":"Field","name":{"kind":"Name","value":"startedAt"}},{"kind":"Field","name":{"kind":"Name","value":"finishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"evalSet"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]} as unknown as DocumentNode<RunSummaryFragment, unknown>;
export const RunEvalDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RunEval"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"RunEvalInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"runEval"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"RunSummary"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"RunSummary"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"EvalRun"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"prompt"}},{"kind":"Field","name":{"kind":"Name","value":"promptVersion"}},{"kind":"Field","name":{"kind":"Name","value":"modelId"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"passRate"}},{"kind":"Field","name":{"kind":"Name","value":"costUsd"}},{"kind":"Field","name":{"kind":"Name","value":"caseCount"}},{"kind":"Field","name":{"kind":"Name","value":"doneCount"}},{"kind":"Field","name":{"kind":"Name","value":"passedCount"}},{"kind":"Field","name":{"kind":"Name","value":"startedAt"}},{"kind":"Field","name":{"kind":"Name","value":"finishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"evalSet"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]} as unknown as DocumentNode<RunEvalMutation, RunEvalMutationVariables>;
export const EvalRunProgressDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"EvalRunProgress"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"evalRunProgress"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"doneCount"}},{"kind":"Field","name":{"kind":"Name","value":"caseCount"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"passRate"}}]}}]}}]} as unknown as DocumentNode<EvalRunProgressSubscription, EvalRunProgressSubscriptionVariables>;
export const EvalRunResultsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"EvalRunResults"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"evalRun"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"RunSummary"}},{"kind":"Field","name":{"kind":"Name","value":"results"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"position"}},{"kind":"Field","name":{"kind":"Name","value":"passed"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"output"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"judgeScore"}},{"kind":"Field","name":{"kind":"Name","value":"judgeReason"}},{"kind":"Field","name":{"kind":"Name","value":"latencyMs"}},{"kind":"Field","name":{"kind":"Name","value":"scores"}},{"kind":"Field","name":{"kind":"Name","value":"case"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"input"}},{"kind":"Field","name":{"kind":"Name","value":"expected"}}]}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"RunSummary"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"EvalRun"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"prompt"}},{"kind":"Field","name":{"kind":"Name","value":"promptVersion"}},{"kind":"Field","name":{"kind":"Name","value":"modelId"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"passRate"}},{"kind":"Field","name":{"kind":"Name","value":"costUsd"}},{"kind":"Field","name":{"kind":"Name","value":"caseCount"}},{"kind":"Field","name":{"kind":"Name","value":"doneCount"}},{"kind":"Field","name":{"kind":"Name","value":"passedCount"}},{"kind":"Field","name":{"kind":"Name","value":"startedAt"}},{"kind":"Field","name":{"kind":"Name","value":"finishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"evalSet"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]} as unknown as DocumentNode<EvalRunResultsQuery, EvalRunResultsQueryVariables>;
export const PromptVersionLookupDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"PromptVersionLookup"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"prompt"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"label"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"prompt"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"prompt"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"version"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"label"},"value":{"kind":"Variable","name":{"kind":"Name","value":"label"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"number"}}]}}]}}]}}]} as unknown as DocumentNode<PromptVersionLookupQuery, PromptVersionLookupQueryVariables>;
export const PromoteDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"Promote"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"PromoteInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"promotePromptVersion"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"promoted"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"label"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"version"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"number"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"evalRun"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"RunSummary"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"RunSummary"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"EvalRun"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"prompt"}},{"kind":"Field","name":{"kind":"Name","value":"promptVersion"}},{"kind":"Field","name":{"kind":"Name","value":"modelId"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"passRate"}},{"kind":"Field","name":{"kind":"Name","value":"costUsd"}},{"kind":"Field","name":{"kind":"Name","value":"caseCount"}},{"kind":"Field","name":{"kind":"Name","value":"doneCount"}},{"kind":"Field","name":{"kind":"Name","value":"passedCount"}},{"kind":"Field","name":{"kind":"Name","value":"startedAt"}},{"kind":"Field","name":{"kind":"Name","value":"finishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"evalSet"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]} as unknown as DocumentNode<PromoteMutation, PromoteMutationVariables>;
export const RollbackDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"Rollback"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"prompt"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"label"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"rollbackPromptLabel"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"prompt"},"value":{"kind":"Variable","name":{"kind":"Name","value":"prompt"}}},{"kind":"Argument","name":{"kind":"Name","value":"label"},"value":{"kind":"Variable","name":{"kind":"Name","value":"label"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"version"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"number"}}]}}]}}]}}]} as unknown as DocumentNode<RollbackMutation, RollbackMutationVariables>;
export const CreateVersionDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateVersion"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreatePromptVersionInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createPromptVersion"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"number"}},{"kind":"Field","name":{"kind":"Name","value":"variables"}}]}}]}}]} as unknown as DocumentNode<CreateVersionMutation, CreateVersionMutationVariables>;