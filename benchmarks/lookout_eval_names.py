"""Name pools for the lookout quality benchmark: common public names, typed by hand.

Each name alone is a common given name or surname from public name lists
(census surname lists, popular given names); a *person* in the evaluation set
is a random combination of them with a random date of birth, so none is
anyone in particular. The pairs below are the evaluation's own answer key,
written independently of the packages the matcher uses (`equivalents`).
"""

# Arabic and Cyrillic letters are the point here.

from __future__ import annotations

from typing import Final

GIVEN: Final = (
    "Anna", "Maria", "Elena", "Sofia", "Laura", "Clara", "Emma", "Julia", "Nina", "Irina",
    "Olga", "Paula", "Rosa", "Sara", "Lucia", "Marta", "Helena", "Agnes", "Beatriz", "Carmen",
    "Daniel", "David", "Thomas", "Peter", "Martin", "Paul", "Andreas", "Marco", "Pablo", "Lukas",
    "Stefan", "Viktor", "Oscar", "Hugo", "Felix", "Simon", "Adrian", "Tobias", "Jonas", "Emil",
    "Priya", "Ravi", "Anil", "Sunita", "Kenji", "Yuki", "Mei", "Chen", "Minh", "Linh",
)  # fmt: skip
SURNAMES: Final = (
    "Marbury", "Hollister", "Pemberton", "Castellano", "Fitzgerald", "Lindqvist", "Kowalczyk",
    "Novotny", "Horvath", "Andersen", "Bergstrom", "Costa", "Dimitrov", "Esposito", "Ferreira",
    "Gallagher", "Hoffmann", "Ivanova", "Jankowski", "Kaminski", "Lombardi", "Moreau",
    "Nakamura", "Oliveira", "Petrovic", "Quintero", "Rossetti", "Schneider", "Takahashi",
    "Urbanek", "Valentini", "Wojcik", "Yamamoto", "Zielinski", "Bianchi", "Carvalho",
    "Dubois", "Eriksson", "Fontaine", "Gutierrez", "Hernandez", "Iglesias", "Jovanovic",
    "Krishnan", "Lindgren", "Mendoza", "Nair", "Ortega", "Pereira", "Richter",
)  # fmt: skip
ARABIC_GIVEN: Final = (
    ("Tariq", "Tarek"), ("Youssef", "Yusuf"), ("Khaled", "Khalid"), ("Mohammed", "Muhammad"),
    ("Hussein", "Husain"), ("Othman", "Uthman"), ("Omar", "Umar"), ("Samir", "Sameer"),
    ("Karim", "Kareem"), ("Said", "Saeed"), ("Walid", "Oualid"), ("Jamal", "Djamel"),
    ("Fatima", "Fatimah"), ("Leila", "Layla"), ("Mariam", "Maryam"), ("Nour", "Noor"),
    ("Zainab", "Zeinab"), ("Aisha", "Aicha"), ("Rashid", "Rachid"), ("Hamza", "Hamzah"),
)  # fmt: skip
ARABIC_SURNAMES: Final = (
    ("Hijazi", "Hejazi"), ("Haddad", "Hadad"), ("Mansour", "Mansur"), ("Nasser", "Nasir"),
    ("Khalil", "Khaleel"), ("Qassem", "Kassem"), ("Suleiman", "Sulaiman"), ("Saleh", "Salih"),
    ("Jaber", "Djaber"), ("Othmani", "Uthmani"), ("Bakri", "Bakry"), ("Darwish", "Darwich"),
    ("Shami", "Chami"), ("Tamimi", "Tamimy"), ("Zoubi", "Zubi"), ("Ashour", "Ashur"),
)  # fmt: skip
# (as a list writes it in Arabic script, as a passport writes it)
ARABIC_SCRIPT: Final = (
    ("محمد", "MOHAMED"), ("خالد", "KHALID"), ("حسن", "HASSAN"), ("أحمد", "AHMED"),
    ("يوسف", "YOUSSEF"), ("عمر", "OMAR"), ("سمير", "SAMIR"), ("كريم", "KARIM"),
    ("فاطمة", "FATIMA"), ("مريم", "MARIAM"), ("سارة", "SARA"), ("طارق", "TAREK"),
)  # fmt: skip
ARABIC_SCRIPT_SURNAMES: Final = (
    ("حداد", "HADDAD"), ("منصور", "MANSOUR"), ("ناصر", "NASSER"), ("خليل", "KHALIL"),
    ("سليمان", "SULEIMAN"), ("حجازي", "HIJAZI"), ("قاسم", "QASSEM"), ("صالح", "SALEH"),
)  # fmt: skip
CYRILLIC: Final = (
    ("Иванова", "Мария", "IVANOVA", "MARIIA"), ("Петров", "Сергей", "PETROV", "SERGEI"),
    ("Смирнова", "Юлия", "SMIRNOVA", "IULIIA"), ("Кузнецов", "Дмитрий", "KUZNETSOV", "DMITRII"),
    ("Соколова", "Елена", "SOKOLOVA", "ELENA"), ("Попов", "Андрей", "POPOV", "ANDREI"),
    ("Волкова", "Наталья", "VOLKOVA", "NATALIA"), ("Морозов", "Алексей", "MOROZOV", "ALEKSEI"),
)  # fmt: skip
GREEK: Final = (
    ("Παπαδόπουλος", "Γιώργος", "PAPADOPOULOS", "GIORGOS"),
    ("Νικολάου", "Ελένη", "NIKOLAOU", "ELENI"),
    ("Γεωργίου", "Δημήτρης", "GEORGIOU", "DIMITRIS"),
    ("Οικονόμου", "Μαρία", "OIKONOMOU", "MARIA"),
)  # fmt: skip
# (formal name on the list, the name the traveler goes by)
NICKNAMES: Final = (
    ("James", "Jim"), ("William", "Bill"), ("Robert", "Bob"), ("Margaret", "Peggy"),
    ("Margaret", "Maggie"), ("Elizabeth", "Liz"), ("Elizabeth", "Betty"), ("Katherine", "Kate"),
    ("Richard", "Dick"), ("Edward", "Ted"), ("Alexander", "Alex"), ("Aleksandr", "Sasha"),
    ("Joseph", "Joe"), ("Michael", "Mike"), ("Patricia", "Patty"), ("Jennifer", "Jenny"),
    ("Thomas", "Tom"), ("Charles", "Charlie"), ("Anthony", "Tony"), ("Susan", "Sue"),
    ("Alyona", "Alena"), ("Giuseppe", "Joseph"), ("Juan", "John"), ("Pierre", "Peter"),
)  # fmt: skip
PATRONYMICS: Final = (
    ("Aleksandrovna", "Aleksandrovich"), ("Ivanovna", "Ivanovich"), ("Sergeevna", "Sergeevich"),
    ("Petrovna", "Petrovich"), ("Nikolaevna", "Nikolaevich"), ("Dmitrievna", "Dmitrievich"),
)  # fmt: skip
MIDDLE: Final = ("Marie", "Louise", "Jean", "Ann", "Lee", "Rose", "Grace", "Ray")
