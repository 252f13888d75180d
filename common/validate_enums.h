/* Private to report_validate*.c: the enumerations of REPORT_FORMAT.md, as C enums and names. */
#ifndef MW_VALIDATE_ENUMS_H
#define MW_VALIDATE_ENUMS_H

#include "validate_fields.h"

/* Each enum indexes the names of its vf_enum (report_validate_enums.c checks the counts). */
enum stage { STAGE_ENTRY, STAGE_INTERMEDIATE, STAGE_FINAL, STAGE_MAX };

enum mentor_category {
    MC_TEACHER,
    MC_STUDENT,
    MC_PARENT,
    MC_GRADUATE,
    MC_EMPLOYER_STAFF,
    MC_ENTREPRENEUR,
    MC_VETERAN,
    MC_MAX
};

enum mentee_category {
    EC_STUDENT_GIFTED,
    EC_STUDENT_LOW_RESULTS,
    EC_STUDENT_DISABILITIES,
    EC_STUDENT_DIFFICULT_SITUATION,
    EC_STUDENT_BEHAVIOUR,
    EC_STUDENT_DISENGAGED,
    EC_TEACHER_YOUNG_SPECIALIST,
    EC_TEACHER_BURNOUT,
    EC_TEACHER_NEW_TO_SCHOOL,
    EC_TEACHER_DIGITAL_SKILLS,
    EC_MAX
};

enum consent_by { BY_SELF, BY_GUARDIAN, BY_MAX };

enum pair_form {
    FORM_TEACHER_TEACHER,
    FORM_TEACHER_STUDENT,
    FORM_STUDENT_STUDENT,
    FORM_EMPLOYER_STUDENT,
    FORM_GRADUATE_STUDENT,
    FORM_PARENT_STUDENT,
    FORM_MAX
};

enum pair_status { PS_FORMED, PS_ACTIVE, PS_COMPLETED, PS_TERMINATED, PS_MAX };

enum meeting_type { MT_ORGANISATIONAL, MT_TRIAL, MT_PLANNING, MT_REGULAR, MT_FINAL, MT_MAX };

enum roadmap_status { RS_PLANNED, RS_IN_PROGRESS, RS_DONE, RS_CANCELLED, RS_MAX };

enum document_type {
    DT_REGULATION,
    DT_ROADMAP,
    DT_ORDER_IMPLEMENTATION,
    DT_ORDER_CURATOR,
    DT_ORDER_PAIRS,
    DT_PROGRAM,
    DT_ORDER_MENTOR_SCHOOL,
    DT_ORDER_FINAL_EVENT,
    DT_TARGET_MODEL,
    DT_OTHER,
    DT_MAX
};

enum competition_level { CL_SCHOOL, CL_DISTRICT, CL_REGION, CL_FEDERAL, CL_MAX };

enum incentive_kind { IK_CERTIFICATE, IK_GRATITUDE, IK_PAYMENT, IK_OTHER, IK_MAX };

extern const struct vf_enum vf_stage_enum;
extern const struct vf_enum vf_mentor_category_enum;
extern const struct vf_enum vf_mentee_category_enum;
extern const struct vf_enum vf_consent_by_enum;
extern const struct vf_enum vf_pair_form_enum;
extern const struct vf_enum vf_pair_status_enum;
extern const struct vf_enum vf_meeting_type_enum;
extern const struct vf_enum vf_roadmap_status_enum;
extern const struct vf_enum vf_document_type_enum;
extern const struct vf_enum vf_competition_level_enum;
extern const struct vf_enum vf_incentive_kind_enum;

#endif
