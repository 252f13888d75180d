// Russian names for the codes of the report format (services/collector/api/REPORT_FORMAT.md).

export const STAGES = {
  entry: 'входной',
  intermediate: 'промежуточный',
  final: 'итоговый',
};
export const STAGE_ORDER = ['entry', 'intermediate', 'final'];
export const STAGE_SHORT = { entry: 'вх.', intermediate: 'пром.', final: 'итог.' };

/* Completeness statuses (/api/v1/completeness) and their colour class. */
export const REPORT_STATUS = {
  on_time: { text: 'сдан вовремя', tone: 'ok' },
  late: { text: 'сдан с опозданием', tone: 'warn' },
  missing: { text: 'не сдан', tone: 'bad' },
  pending: { text: 'срок не наступил', tone: 'neutral' },
  no_deadline: { text: 'сдан (срок не задан)', tone: 'ok' },
};

export const MENTOR_CATEGORIES = {
  teacher: 'педагог',
  student: 'обучающийся',
  parent: 'родитель',
  graduate: 'выпускник',
  employer_staff: 'сотрудник предприятия',
  entrepreneur: 'предприниматель или общественный деятель',
  veteran: 'ветеран педагогического труда',
};

export const MENTEE_CATEGORIES = {
  student_gifted: 'обучающийся: одарённый',
  student_low_results: 'обучающийся: низкие результаты',
  student_disabilities: 'обучающийся с ОВЗ',
  student_difficult_situation: 'обучающийся в трудной жизненной ситуации',
  student_behaviour: 'обучающийся: проблемы с поведением',
  student_disengaged: 'обучающийся: не вовлечён в жизнь школы',
  teacher_young_specialist: 'молодой специалист',
  teacher_burnout: 'педагог: профессиональное выгорание',
  teacher_new_to_school: 'педагог, новый в школе',
  teacher_digital_skills: 'педагог: цифровые навыки',
};

export const PAIR_FORMS = {
  teacher_teacher: 'учитель – учитель',
  teacher_student: 'учитель – ученик',
  student_student: 'ученик – ученик',
  employer_student: 'работодатель – ученик',
  graduate_student: 'выпускник – ученик',
  parent_student: 'родитель – ученик',
};

export const PAIR_STATUS = {
  formed: 'сформирована',
  active: 'работает',
  completed: 'завершила работу',
  terminated: 'прекращена',
};

export const MEETING_TYPES = {
  organisational: 'организационная',
  trial: 'пробная',
  planning: 'планирование',
  regular: 'рабочая',
  final: 'итоговая',
};

export const ROADMAP_STATUS = {
  planned: 'запланировано',
  in_progress: 'выполняется',
  done: 'выполнено',
  cancelled: 'отменено',
};

/* Required website documents (DOMAIN.md, "What the website check looks for"). */
export const DOCUMENT_TYPES = {
  regulation: 'Положение о наставничестве',
  roadmap: 'Дорожная карта',
  order_implementation: 'Приказ о внедрении целевой модели',
  order_curator: 'Приказ о назначении куратора',
  order_pairs: 'Приказ о закреплении пар и групп',
  program: 'Программа наставничества',
  order_mentor_school: 'Приказ о «Школе наставников»',
  order_final_event: 'Приказ об итоговом мероприятии',
  target_model: 'Целевая модель наставничества',
  other: 'Другой документ',
};

export const COMPETITION_LEVELS = {
  school: 'школьный',
  district: 'муниципальный',
  region: 'региональный',
  federal: 'федеральный',
};

export const INCENTIVE_KINDS = {
  certificate: 'грамоты',
  gratitude: 'благодарности',
  payment: 'выплаты',
  other: 'другое',
};

export const MONITORING = {
  satisfaction_mentors: 'Удовлетворённость наставников',
  satisfaction_mentees: 'Удовлетворённость наставляемых',
  quality: 'Качество реализации программы',
  growth_entry: 'Показатели участников на входе',
  growth_exit: 'Показатели участников на выходе',
};

export const ROLES = {
  district: 'управление образования',
  region: 'регион',
  admin: 'администратор',
  school: 'школа',
};

/* A label from a table, or the code itself when the table does not know it. */
export function label(table, code) {
  return (code !== null && code !== undefined && table[code]) || code || '—';
}
