#!/usr/bin/env python3
"""Generates a valid, realistic term report (contract v1, REPORT_FORMAT.md) for benchmarks and demos.

The content follows the seed roadmaps (МОУ «СОШ №14», МБОУ «ИТ-лицей №24», МБОУ СОШ №8,
МБОУ Погадаевская ООШ, Богучанский район): roadmap items, orders, forms of mentoring, the
meeting cycle (organisational, trial, planning, regular, final) and the monitoring of each stage.
Ids are pseudonymous; a name appears only where the participant's consent is recorded.
The same arguments always give the same bytes (python3 standard library only).

    gen_report.py --school SOSH14 --year 2024/2025 --stage intermediate --seed 1 > r.json
    gen_report.py --school ITL24 --stage final --seed 7 --size 60000 --pretty -o r.json
"""

import argparse
import datetime as dt
import json
import random
import re
import sys

STAGES = ("entry", "intermediate", "final")

# Roadmap items: (number, title, first month, last month, responsible, evidence).
# Months count from September of the academic year's first year (0 = September, 9 = June).
ROADMAP = [
    ("1.1", "Информирование педагогов, обучающихся и родительского сообщества о подготовке "
     "программы наставничества, сбор предварительных запросов обучающихся, педагогов, молодых "
     "специалистов", 0, 0, "Директор, заместитель директора по УВР",
     "Протоколы педагогического совета и родительских собраний"),
    ("1.2", "Подготовка и принятие локальных нормативных правовых актов: приказы «Об утверждении "
     "положения о системе наставничества педагогических работников», «Об утверждении Дорожной "
     "карты (плана мероприятий) по реализации Положения»", 0, 1, "Директор",
     "Приказ № {order} «Об утверждении положения о системе наставничества»"),
    ("1.3", "Назначение куратора внедрения целевой модели наставничества", 0, 0, "Директор",
     "Приказ о назначении куратора"),
    ("1.4", "Создание страницы «Наставничество» на сайте школы и публикация локальных актов", 0, 1,
     "Учитель информатики", "Раздел «Наставничество» на официальном сайте"),
    ("2.1", "Формирование банка наставляемых: сбор информации о профессиональных запросах "
     "педагогов, обеспечение согласий на сбор и обработку персональных данных", 1, 2,
     "Заместитель директора по УВР, классные руководители", "База наставляемых с перечнем запросов"),
    ("2.2", "Сбор согласий на обработку персональных данных от законных представителей "
     "несовершеннолетних наставляемых", 1, 2, "Классные руководители, социальный педагог",
     "Согласия законных представителей"),
    ("3.1", "Формирование банка наставников: анкетирование потенциальных наставников, сбор "
     "письменных заявлений и согласий на обработку персональных данных", 1, 2,
     "Заместитель директора по УВР", "База наставников"),
    ("3.2", "Обращение к работодателям и выпускникам с предложением об участии в программе "
     "наставничества, заключение соглашения о сотрудничестве", 1, 3, "Директор",
     "Соглашение о сотрудничестве"),
    ("4.1", "Обучение наставников для работы с наставляемыми («Школа наставников»), установочные "
     "сессии наставников", 1, 2, "Куратор целевой модели наставничества",
     "Приказ об организации «Школы наставников», листы регистрации"),
    ("5.1", "Формирование наставнических пар и групп, закрепление пар приказом директора", 2, 2,
     "Директор, куратор", "Приказ «О формировании наставнических пар (групп)»"),
    ("5.2", "Разработка персонализированных программ наставничества и планов индивидуального "
     "развития для каждой пары (группы)", 2, 3, "Наставники, куратор",
     "Индивидуальные планы развития"),
    ("5.3", "Проведение первой, организационной, и второй, пробной рабочей, встреч наставника и "
     "наставляемого", 2, 3, "Куратор целевой модели наставничества", "Формы обратной связи"),
    ("5.4", "Регулярные встречи наставника и наставляемого с заполнением форм обратной связи "
     "по завершении каждой встречи", 3, 8, "Наставники", "Журнал встреч, формы обратной связи"),
    ("6.1", "Промежуточный мониторинг: анкетирование участников, текущий контроль достижения "
     "планируемых результатов", 3, 3, "Куратор целевой модели наставничества",
     "Аналитическая справка по итогам промежуточного мониторинга"),
    ("6.2", "Участие в районном конкурсе для молодых педагогов «Свежий ветер» и муниципальном "
     "этапе конкурса «Учитель года»", 4, 6, "Руководители ШМО", "Участие в конкурсе"),
    ("6.3", "Представление практик наставничества в районную базу успешных практик", 7, 7,
     "Куратор целевой модели наставничества", "Описание практики, ссылка на публикацию"),
    ("7.1", "Проведение заключительной встречи наставника и наставляемого и групповой "
     "заключительной встречи всех пар и групп", 8, 8, "Куратор, наставники",
     "Фотоотчёт, формы обратной связи"),
    ("7.2", "Итоговый мониторинг: личная удовлетворённость участием в программе, качество "
     "реализации программы, оценка участников «на выходе»", 7, 8,
     "Куратор целевой модели наставничества", "Аналитическая справка"),
    ("7.3", "Проведение заседаний ШМО: выступление молодых специалистов по теме самообразования, "
     "круглый стол по выявлению лучших практик наставничества", 7, 8, "Руководители ШМО",
     "Протоколы заседаний ШМО"),
    ("7.4", "Торжественное мероприятие по подведению итогов программы наставничества и "
     "награждению лучших наставников", 9, 9, "Директор", "Приказ о поощрении участников"),
    ("8.1", "Освещение мероприятий Дорожной карты на сайте образовательной организации и в "
     "социальных сетях", 0, 9, "Учитель информатики", "Публикации на сайте"),
]

DOCUMENTS = [
    ("regulation", "Положение о системе наставничества педагогических работников {short}"),
    ("roadmap", "Дорожная карта (план мероприятий) по реализации Положения о системе "
                "наставничества педагогических работников {short} на {year} учебный год"),
    ("order_implementation", "Приказ №{order} от {order_date} «О внедрении целевой модели "
                             "наставничества»"),
    ("order_curator", "Приказ №{order} от {order_date} «О назначении куратора внедрения целевой "
                      "модели наставничества»"),
    ("order_pairs", "Приказ №{pairs_order} «О формировании наставнических пар (групп)»"),
    ("program", "Программа наставничества на {year} учебный год"),
    ("order_mentor_school", "Приказ об организации «Школы наставников» с утверждением программ "
                            "и графиков обучения наставников"),
    ("order_final_event", "Приказ «О проведении итогового мероприятия в рамках реализации "
                          "целевой модели наставничества»"),
    ("target_model", "Целевая модель наставничества {short}"),
]

SURNAMES = [("Иванов", "Иванова"), ("Смирнов", "Смирнова"), ("Кузнецов", "Кузнецова"),
            ("Попов", "Попова"), ("Соколов", "Соколова"), ("Лебедев", "Лебедева"),
            ("Новиков", "Новикова"), ("Морозов", "Морозова"), ("Волков", "Волкова"),
            ("Захаров", "Захарова"), ("Белов", "Белова"), ("Тарасов", "Тарасова")]
NAMES_M = ["Алексей", "Дмитрий", "Сергей", "Андрей", "Михаил", "Игорь", "Павел", "Никита"]
NAMES_F = ["Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Мария", "Анна", "Светлана"]
PATRONYMICS_M = ["Петрович", "Сергеевич", "Иванович", "Николаевич", "Андреевич"]
PATRONYMICS_F = ["Петровна", "Сергеевна", "Ивановна", "Николаевна", "Андреевна"]

# Forms of mentoring: (form, mentor categories, mentee categories, mentee is a minor).
FORMS = [
    ("teacher_teacher", ["teacher", "veteran"],
     ["teacher_young_specialist", "teacher_young_specialist", "teacher_new_to_school",
      "teacher_digital_skills", "teacher_burnout"], False),
    ("teacher_student", ["teacher"],
     ["student_gifted", "student_low_results", "student_disabilities",
      "student_difficult_situation"], True),
    ("student_student", ["student"],
     ["student_low_results", "student_disengaged", "student_behaviour"], True),
    ("employer_student", ["employer_staff", "entrepreneur"], ["student_gifted"], True),
    ("graduate_student", ["graduate"], ["student_disengaged", "student_gifted"], True),
    ("parent_student", ["parent"], ["student_difficult_situation", "student_behaviour"], True),
]
FORM_WEIGHTS = [6, 3, 3, 1, 1, 1]

COMPETITIONS = [("«Наставник года»", "school"), ("«Лучшая пара»", "school"),
                ("Конкурс для молодых педагогов «Свежий ветер»", "district"),
                ("Краевой конкурс «Лучшие практики наставничества»", "region")]
PRACTICES = ["Кейс «Первый год в профессии: сопровождение молодого учителя математики»",
             "Практика «Ученик – ученик»: подготовка к олимпиадам по информатике",
             "Практика работодатель – ученик: проектная смена с IT-компанией-партнёром",
             "Кейс «Методическая копилка педагогических практик наставничества»"]


def month_start(year, offset):
    """First day of the month `offset` months after September of `year`."""
    m = 9 + offset
    return dt.date(year + (m - 1) // 12, (m - 1) % 12 + 1, 1)


def month_end(year, offset):
    nxt = month_start(year, offset + 1)
    return nxt - dt.timedelta(days=1)


def iso(d):
    return d.isoformat()


def ru_date(d):
    return d.strftime("%d.%m.%Y")


class Builder:
    def __init__(self, school, year, stage, seed):
        self.school, self.year, self.stage, self.seed = school, year, stage, seed
        self.y = int(year[:4])
        self.stage_no = STAGES.index(stage)
        # the date the report describes: November, December or May
        self.as_of = [dt.date(self.y, 11, 20), dt.date(self.y, 12, 20),
                      dt.date(self.y + 1, 5, 25)][self.stage_no]

    def reset(self):
        """Starts every build from the same random state: equal arguments, equal bytes."""
        self.rng = random.Random(f"{self.school}/{self.year}/{self.stage}/{self.seed}")
        self.order = f"{self.rng.randint(100, 160)}/{self.rng.randint(1, 3)}"
        self.order_date = dt.date(self.y, 8, self.rng.randint(25, 31))
        self.pairs_order = (f"{self.rng.randint(161, 220)}",
                            dt.date(self.y, 10, self.rng.randint(10, 25)))
        self.used_ids = set()

    def day_between(self, a, b):
        if b <= a:
            return a
        return a + dt.timedelta(days=self.rng.randint(0, (b - a).days))

    def pseudo_id(self, prefix):
        while True:
            ident = f"{prefix}-{self.rng.getrandbits(24):06x}"
            if ident not in self.used_ids:
                self.used_ids.add(ident)
                return ident

    def person_name(self):
        female = self.rng.random() < 0.75  # most teachers are women
        surname = self.rng.choice(SURNAMES)[1 if female else 0]
        first = self.rng.choice(NAMES_F if female else NAMES_M)
        patronymic = self.rng.choice(PATRONYMICS_F if female else PATRONYMICS_M)
        return f"{surname} {first} {patronymic}"

    def consent(self, minor):
        d = self.day_between(dt.date(self.y, 9, 2), dt.date(self.y, 10, 31))
        if minor:
            return {"given": True, "date": iso(d), "by": "guardian"}
        if self.rng.random() < 0.08:  # an adult who has not signed yet
            return None
        return {"given": True, "date": iso(d), "by": "self"}

    def participant(self, prefix, category, minor, mentor):
        p = {"id": self.pseudo_id(prefix), "category": category, "minor": minor}
        consent = self.consent(minor)
        if consent is not None:
            p["consent"] = consent
            if not minor and self.rng.random() < 0.3:
                p["name"] = self.person_name()
        if mentor:
            trained = self.rng.random() < [0.6, 0.85, 0.95][self.stage_no]
            p["trained"] = trained
            if trained:
                p["trained_on"] = iso(self.day_between(dt.date(self.y, 9, 15),
                                                       min(self.as_of, dt.date(self.y, 11, 15))))
        return p

    def meetings(self):
        cycle = ["organisational", "trial", "planning"]
        regular = [0, 3, 8][self.stage_no] + self.rng.randint(0, 2)
        cycle += ["regular"] * regular
        if self.stage == "final":
            cycle.append("final")
        elif self.stage == "entry":
            cycle = cycle[:self.rng.randint(1, 3)]
        start = self.pairs_order[1] + dt.timedelta(days=3)
        span = (self.as_of - start).days
        out = []
        for i, kind in enumerate(cycle):
            d = start + dt.timedelta(days=span * i // max(len(cycle), 1) + self.rng.randint(0, 2))
            out.append({"type": kind, "date": iso(min(d, self.as_of)),
                        "feedback": self.rng.random() < 0.9})
        return out

    def pairs(self, n_pairs):
        mentors, mentees, pairs = [], [], []
        for i in range(n_pairs):
            form, mcats, ecats, minor = self.rng.choices(FORMS, FORM_WEIGHTS)[0]
            group = 1 if form == "teacher_teacher" else self.rng.choice([1, 1, 2, 3])
            m_minor = form == "student_student"
            mentor = self.participant("N", self.rng.choice(mcats), m_minor, True)
            mentors.append(mentor)
            ids = []
            for _ in range(group):
                mentee = self.participant("U", self.rng.choice(ecats), minor, False)
                mentees.append(mentee)
                ids.append(mentee["id"])
            status = {"entry": ["formed", "active"], "intermediate": ["active"],
                      "final": ["completed", "completed", "completed", "terminated"]}[self.stage]
            pair = {"id": f"P{i + 1:03d}", "form": form, "mentors": [mentor["id"]],
                    "mentees": ids,
                    "order": {"number": self.pairs_order[0], "date": iso(self.pairs_order[1])},
                    "status": self.rng.choice(status),
                    "development_plan": self.stage != "entry" or self.rng.random() < 0.5,
                    "meetings": self.meetings()}
            pairs.append(pair)
        return mentors, mentees, pairs

    def roadmap(self):
        items = []
        for number, title, first, last, responsible, evidence in ROADMAP:
            due_from, due_to = month_start(self.y, first), month_end(self.y, last)
            item = {"number": number, "title": title}
            if first != last:
                item["due_from"] = iso(due_from)
            item["due_to"] = iso(due_to)
            item["responsible"] = responsible
            if due_to < self.as_of or (due_from <= self.as_of and self.rng.random() < 0.3):
                item["status"] = "done" if self.rng.random() < 0.93 else "cancelled"
            elif due_from <= self.as_of:
                item["status"] = "in_progress"
            else:
                item["status"] = "planned"
            if item["status"] == "done":
                late = self.rng.random() < 0.15
                done = due_to + dt.timedelta(days=self.rng.randint(1, 20)) if late else \
                    self.day_between(due_from, due_to)
                item["done_on"] = iso(min(done, self.as_of))
                item["evidence"] = evidence.format(order=self.order)
            items.append(item)
        return items

    def documents(self):
        short = f"МБОУ «{self.school}»"
        out = []
        site = f"https://{self.school.lower()}.edu.example"
        for n, (kind, title) in enumerate(DOCUMENTS):
            if kind in ("order_mentor_school", "order_final_event", "target_model") and \
                    self.rng.random() < 0.4:
                continue
            out.append({"type": kind,
                        "title": title.format(short=short, year=self.year, order=self.order,
                                              order_date=ru_date(self.order_date),
                                              pairs_order=self.pairs_order[0]),
                        "url": f"{site}/file/card?id={1000 + n * 7 + self.rng.randint(0, 6)}"})
        return out

    def build(self, n_pairs):
        self.reset()
        mentors, mentees, pairs = self.pairs(n_pairs)
        mentored = sum(1 for m in mentees if m["category"] == "teacher_young_specialist")
        young = max(mentored, self.rng.randint(3, 9)) + self.rng.randint(0, 2)
        teachers = max(35, young * 5) + self.rng.randint(0, 30)
        report = {
            "school": self.school, "academic_year": self.year, "stage": self.stage,
            "staff": {"teachers_total": teachers, "young_teachers": young,
                      "young_teachers_mentored": mentored},
            "mentors": mentors, "mentees": mentees, "pairs": pairs,
            "roadmap": self.roadmap(), "documents": self.documents(),
        }
        monitoring = {"growth_entry": round(self.rng.uniform(30, 55), 1)}
        if self.stage != "entry":
            monitoring.update({"satisfaction_mentors": round(self.rng.uniform(75, 98), 1),
                               "satisfaction_mentees": round(self.rng.uniform(70, 97), 1),
                               "quality": round(self.rng.uniform(65, 95), 1)})
        if self.stage == "final":
            monitoring["growth_exit"] = round(monitoring["growth_entry"] +
                                              self.rng.uniform(10, 35), 1)
            report["practices"] = [
                {"title": t, "submitted_on": iso(dt.date(self.y + 1, 4, self.rng.randint(1, 30))),
                 "url": f"https://{self.school.lower()}.edu.example/nastavnichestvo/praktiki/{i}"}
                for i, t in enumerate(self.rng.sample(PRACTICES, 2), 1)]
            report["competitions"] = []
            for name, level in self.rng.sample(COMPETITIONS, 2):
                participants = self.rng.randint(1, 6)
                report["competitions"].append({"name": name, "level": level,
                                               "participants": participants,
                                               "winners": self.rng.randint(0, participants)})
            report["incentives"] = [{"kind": "certificate", "count": self.rng.randint(2, 8)},
                                    {"kind": "gratitude", "count": self.rng.randint(1, 5)}]
        report["monitoring"] = monitoring
        report["comment"] = ("Отчёт сформирован куратором целевой модели наставничества по "
                             "данным базы наставников и базы наставляемых на "
                             f"{ru_date(self.as_of)}.")
        return report


def generate(school, year, stage, seed, size):
    """The report whose compact JSON is closest to `size` bytes without exceeding it much."""
    b = Builder(school, year, stage, seed)
    n = 10
    for _ in range(8):  # converge on the size: the text grows about linearly with the pairs
        report = b.build(n)
        length = len(encode(report, False))
        want = max(1, min(1600, round(n * size / length)))  # 3 mentees a pair at most
        if want == n:
            break
        n = want
    return report


def encode(report, pretty):
    if pretty:
        return json.dumps(report, ensure_ascii=False, indent=2).encode() + b"\n"
    return json.dumps(report, ensure_ascii=False, separators=(",", ":")).encode()


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--school", default="SOSH14", help="school code (1-32 of A-Z a-z 0-9 _ -)")
    ap.add_argument("--year", default="2024/2025", help="academic year, e.g. 2024/2025")
    ap.add_argument("--stage", default="intermediate", choices=STAGES)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--size", type=int, default=20000, help="target size in bytes of the compact JSON; the roadmap and documents alone take ~12 KB")
    ap.add_argument("--pretty", action="store_true", help="indent the output")
    ap.add_argument("-o", "--output", help="write here instead of stdout")
    a = ap.parse_args(argv)
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,32}", a.school):
        ap.error("--school: 1-32 of A-Z a-z 0-9 _ -")
    m = re.fullmatch(r"(\d{4})/(\d{4})", a.year)
    if not m or int(m.group(2)) != int(m.group(1)) + 1 or not 2000 <= int(m.group(1)) <= 2099:
        ap.error("--year: YYYY/YYYY with the second year the first + 1, from 2000/2001")
    data = encode(generate(a.school, a.year, a.stage, a.seed, a.size), a.pretty)
    if a.output:
        with open(a.output, "wb") as f:
            f.write(data)
    else:
        sys.stdout.buffer.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
