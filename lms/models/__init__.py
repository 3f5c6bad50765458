"""Typed models, one module per aggregate, re-exported here."""

from lms.models.active_time import ActiveTime, ActivityKind
from lms.models.audit import AuditEvent, VerificationLog
from lms.models.base import Base, utcnow
from lms.models.certificates import (
    Certificate,
    CertificateStatus,
    ContinuingEducation,
    IssuedPdf,
    ReviewState,
    SupervisedHours,
)
from lms.models.ethics import EthicsSignature
from lms.models.exams import ExamAccommodation, ExamAnswer, ExamAttempt, ExamSitting
from lms.models.learning import (
    Course,
    CourseAsset,
    CourseVersion,
    Enrolment,
    ExamItem,
    Exercise,
    ExerciseResponse,
    Lesson,
    LessonProgress,
    Module,
    ModuleCompletion,
    Quiz,
    QuizAttempt,
)
from lms.models.live import Attendance, AttendanceStatus, LiveMakeUp, LiveSession
from lms.models.lti import (
    LtiContext,
    LtiIdentity,
    LtiLaunch,
    LtiNonce,
    LtiPlatform,
    LtiResourceLink,
    LtiScore,
    ScoreState,
)
from lms.models.orgs import ApiKey, Cohort, Invitation, Organization, cohort_supervisors, cohort_trainees
from lms.models.roleplay import (
    Grade,
    GradeKind,
    ReferenceRating,
    Rubric,
    Scenario,
    ScenarioReference,
    Submission,
    SubmissionKind,
    SubmissionState,
)
from lms.models.sharing import RegistryListing, WalletOffer
from lms.models.sso import ExternalIdentity, IdentityProvider
from lms.models.users import Role, User, UserSession
from lms.models.xapi import StatementState, XapiSettings, XapiStatement

__all__ = [
    "ActiveTime", "ActivityKind",
    "ApiKey", "AuditEvent", "Base", "Certificate", "CertificateStatus", "Cohort", "ContinuingEducation", "Course",
    "CourseAsset", "CourseVersion", "Enrolment", "ExamAccommodation", "ExamAnswer", "ExamAttempt", "ExamItem",
    "ExamSitting", "Exercise", "ExerciseResponse", "Grade", "GradeKind",
    "Invitation", "IssuedPdf", "Lesson", "LessonProgress", "Module", "ModuleCompletion", "Organization", "Quiz",
    "QuizAttempt",
    "ReferenceRating", "ReviewState", "Role", "Rubric", "Scenario", "ScenarioReference", "Submission",
    "SubmissionKind", "SubmissionState", "SupervisedHours", "User", "UserSession", "VerificationLog",
    "cohort_supervisors", "cohort_trainees", "utcnow",
    "Attendance", "AttendanceStatus", "EthicsSignature", "LiveMakeUp", "LiveSession",
    "RegistryListing", "WalletOffer",
    "ExternalIdentity", "IdentityProvider",
    "StatementState", "XapiSettings", "XapiStatement",
    "LtiContext", "LtiIdentity", "LtiLaunch", "LtiNonce", "LtiPlatform", "LtiResourceLink", "LtiScore", "ScoreState",
]
