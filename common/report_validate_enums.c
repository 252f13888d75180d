/* The enumerations of REPORT_FORMAT.md: names, checked against each C enum, and messages. */
#include "validate_enums.h"

#define ENUM_TABLE(var, names, max, msg)                                                           \
    static_assert(VF_ARRAY_LEN(names) == (max), #names " names every value");                      \
    const struct vf_enum var = {names, VF_ARRAY_LEN(names), msg}

static const char *const stage_names[] = {
    [STAGE_ENTRY] = "entry",
    [STAGE_INTERMEDIATE] = "intermediate",
    [STAGE_FINAL] = "final",
};
ENUM_TABLE(vf_stage_enum, stage_names, STAGE_MAX,
           "Неизвестное значение: допустимы entry, intermediate, final");

static const char *const mentor_category_names[] = {
    [MC_TEACHER] = "teacher",
    [MC_STUDENT] = "student",
    [MC_PARENT] = "parent",
    [MC_GRADUATE] = "graduate",
    [MC_EMPLOYER_STAFF] = "employer_staff",
    [MC_ENTREPRENEUR] = "entrepreneur",
    [MC_VETERAN] = "veteran",
};
ENUM_TABLE(vf_mentor_category_enum, mentor_category_names, MC_MAX,
           "Неизвестная категория наставника: допустимы teacher, student, parent, graduate, "
           "employer_staff, entrepreneur, veteran");

static const char *const mentee_category_names[] = {
    [EC_STUDENT_GIFTED] = "student_gifted",
    [EC_STUDENT_LOW_RESULTS] = "student_low_results",
    [EC_STUDENT_DISABILITIES] = "student_disabilities",
    [EC_STUDENT_DIFFICULT_SITUATION] = "student_difficult_situation",
    [EC_STUDENT_BEHAVIOUR] = "student_behaviour",
    [EC_STUDENT_DISENGAGED] = "student_disengaged",
    [EC_TEACHER_YOUNG_SPECIALIST] = "teacher_young_specialist",
    [EC_TEACHER_BURNOUT] = "teacher_burnout",
    [EC_TEACHER_NEW_TO_SCHOOL] = "teacher_new_to_school",
    [EC_TEACHER_DIGITAL_SKILLS] = "teacher_digital_skills",
};
ENUM_TABLE(vf_mentee_category_enum, mentee_category_names, EC_MAX,
           "Неизвестная категория наставляемого: допустимы student_gifted, student_low_results, "
           "student_disabilities, student_difficult_situation, student_behaviour, "
           "student_disengaged, teacher_young_specialist, teacher_burnout, "
           "teacher_new_to_school, teacher_digital_skills");

static const char *const consent_by_names[] = {[BY_SELF] = "self", [BY_GUARDIAN] = "guardian"};
ENUM_TABLE(
    vf_consent_by_enum, consent_by_names, BY_MAX,
    "Неизвестное значение: допустимы self (сам участник), guardian (законный представитель)");

static const char *const pair_form_names[] = {
    [FORM_TEACHER_TEACHER] = "teacher_teacher",   [FORM_TEACHER_STUDENT] = "teacher_student",
    [FORM_STUDENT_STUDENT] = "student_student",   [FORM_EMPLOYER_STUDENT] = "employer_student",
    [FORM_GRADUATE_STUDENT] = "graduate_student", [FORM_PARENT_STUDENT] = "parent_student",
};
ENUM_TABLE(vf_pair_form_enum, pair_form_names, FORM_MAX,
           "Неизвестная форма наставничества: допустимы teacher_teacher, teacher_student, "
           "student_student, employer_student, graduate_student, parent_student");

static const char *const pair_status_names[] = {
    [PS_FORMED] = "formed",
    [PS_ACTIVE] = "active",
    [PS_COMPLETED] = "completed",
    [PS_TERMINATED] = "terminated",
};
ENUM_TABLE(vf_pair_status_enum, pair_status_names, PS_MAX,
           "Неизвестный статус пары: допустимы formed, active, completed, terminated");

static const char *const meeting_type_names[] = {
    [MT_ORGANISATIONAL] = "organisational",
    [MT_TRIAL] = "trial",
    [MT_PLANNING] = "planning",
    [MT_REGULAR] = "regular",
    [MT_FINAL] = "final",
};
ENUM_TABLE(vf_meeting_type_enum, meeting_type_names, MT_MAX,
           "Неизвестный вид встречи: допустимы organisational, trial, planning, regular, final");

static const char *const roadmap_status_names[] = {
    [RS_PLANNED] = "planned",
    [RS_IN_PROGRESS] = "in_progress",
    [RS_DONE] = "done",
    [RS_CANCELLED] = "cancelled",
};
ENUM_TABLE(vf_roadmap_status_enum, roadmap_status_names, RS_MAX,
           "Неизвестный статус пункта: допустимы planned, in_progress, done, cancelled");

static const char *const document_type_names[] = {
    [DT_REGULATION] = "regulation",
    [DT_ROADMAP] = "roadmap",
    [DT_ORDER_IMPLEMENTATION] = "order_implementation",
    [DT_ORDER_CURATOR] = "order_curator",
    [DT_ORDER_PAIRS] = "order_pairs",
    [DT_PROGRAM] = "program",
    [DT_ORDER_MENTOR_SCHOOL] = "order_mentor_school",
    [DT_ORDER_FINAL_EVENT] = "order_final_event",
    [DT_TARGET_MODEL] = "target_model",
    [DT_OTHER] = "other",
};
ENUM_TABLE(vf_document_type_enum, document_type_names, DT_MAX,
           "Неизвестный вид документа: допустимы regulation, roadmap, order_implementation, "
           "order_curator, order_pairs, program, order_mentor_school, order_final_event, "
           "target_model, other");

static const char *const competition_level_names[] = {
    [CL_SCHOOL] = "school",
    [CL_DISTRICT] = "district",
    [CL_REGION] = "region",
    [CL_FEDERAL] = "federal",
};
ENUM_TABLE(vf_competition_level_enum, competition_level_names, CL_MAX,
           "Неизвестный уровень конкурса: допустимы school, district, region, federal");

static const char *const incentive_kind_names[] = {
    [IK_CERTIFICATE] = "certificate",
    [IK_GRATITUDE] = "gratitude",
    [IK_PAYMENT] = "payment",
    [IK_OTHER] = "other",
};
ENUM_TABLE(vf_incentive_kind_enum, incentive_kind_names, IK_MAX,
           "Неизвестный вид поощрения: допустимы certificate, gratitude, payment, other");
