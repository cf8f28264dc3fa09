// The database's enums, exposed under the same names (values UPPER_CASE; lower_case in the database).
import { builder } from "../builder.ts";
import {
  ActionStatus,
  AnalysisStatus,
  ConversationStatus,
  EpicPriority,
  EpicStatus,
  MessageRole,
  MoodDirection,
  PreviewStatus,
  ToolUseStatus,
  ValidationSeverity,
  ValidationState,
} from "../generated/prisma/enums.ts";

export const ConversationStatusEnum = builder.enumType(ConversationStatus, { name: "ConversationStatus" });
export const MessageRoleEnum = builder.enumType(MessageRole, { name: "MessageRole" });
export const ToolUseStatusEnum = builder.enumType(ToolUseStatus, { name: "ToolUseStatus" });
export const ActionStatusEnum = builder.enumType(ActionStatus, { name: "ActionStatus" });
export const PreviewStatusEnum = builder.enumType(PreviewStatus, { name: "PreviewStatus" });
export const MoodDirectionEnum = builder.enumType(MoodDirection, { name: "MoodDirection" });
export const ValidationStateEnum = builder.enumType(ValidationState, { name: "ValidationState" });
export const ValidationSeverityEnum = builder.enumType(ValidationSeverity, { name: "ValidationSeverity" });
export const AnalysisStatusEnum = builder.enumType(AnalysisStatus, { name: "AnalysisStatus" });
export const EpicStatusEnum = builder.enumType(EpicStatus, { name: "EpicStatus" });
export const EpicPriorityEnum = builder.enumType(EpicPriority, { name: "EpicPriority" });
