"""Word lists for the demo network. Names come in cultural groups so that given and family
names match; companies carry an industry and home cities; titles and topics come by function."""

from __future__ import annotations

# (given names, family names) per naming culture.
NAME_GROUPS: list[tuple[list[str], list[str]]] = [
    (["Olivia", "James", "Emma", "Noah", "Charlotte", "Liam", "Amelia", "Henry", "Grace", "Samuel"],
     ["Smith", "Johnson", "Walker", "Hughes", "Bennett", "Carter", "Morgan", "Reed", "Foster", "Hayes"]),
    (["Lucía", "Mateo", "Sofía", "Diego", "Valentina", "Javier", "Camila", "Andrés", "Elena", "Pablo"],
     ["García", "Martínez", "Rodríguez", "López", "Hernández", "Moreno", "Navarro", "Ortega", "Castillo", "Romero"]),
    (["Chinedu", "Ngozi", "Oluwaseun", "Adaeze", "Emeka", "Folake", "Tunde", "Amaka", "Ifeoma", "Kelechi"],
     ["Okafor", "Adeyemi", "Nwosu", "Balogun", "Eze", "Okonkwo", "Adebayo", "Obi", "Chukwu", "Ogunleye"]),
    (["Priya", "Arjun", "Ananya", "Rohan", "Kavya", "Vikram", "Meera", "Aditya", "Divya", "Karthik"],
     ["Sharma", "Iyer", "Patel", "Reddy", "Nair", "Gupta", "Krishnan", "Mehta", "Subramanian", "Rao"]),
    (["Wei", "Xiu Ying", "Jun", "Mei", "Hao", "Li Na", "Jian", "Yan", "Zhi", "Lan"],
     ["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou"]),
    (["Haruto", "Yui", "Sota", "Aoi", "Ren", "Hina", "Yuto", "Sakura", "Kaito", "Mio"],
     ["Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura", "Kobayashi", "Kato"]),
    (["Min-jun", "Seo-yeon", "Ji-ho", "Ha-eun", "Do-yun", "Soo-ah", "Joon-young", "Ji-woo", "Hyun-woo", "Ye-jin"],
     ["Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim"]),
    (["Omar", "Layla", "Youssef", "Fatima", "Karim", "Nour", "Hassan", "Salma", "Tariq", "Amira"],
     ["Haddad", "Khalil", "Mansour", "Nasser", "Saleh", "Farouk", "Aziz", "Hamdan", "Rahman", "Barakat"]),
    (["Emre", "Zeynep", "Burak", "Elif", "Mehmet", "Ayşe", "Can", "Deniz", "Kerem", "Selin"],
     ["Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Aydın", "Öztürk", "Arslan", "Doğan", "Koç"]),
    (["Lukas", "Hannah", "Felix", "Lena", "Jonas", "Mia", "Maximilian", "Sophie", "Leon", "Clara"],
     ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Becker", "Hoffmann", "Schäfer", "Koch", "Richter"]),
    (["Camille", "Louis", "Chloé", "Hugo", "Léa", "Théo", "Manon", "Jules", "Inès", "Antoine"],
     ["Martin", "Bernard", "Dubois", "Lefebvre", "Moreau", "Laurent", "Girard", "Fournier", "Mercier", "Bonnet"]),
    (["Zofia", "Jakub", "Maja", "Kacper", "Alicja", "Szymon", "Zuzanna", "Mateusz", "Natalia", "Piotr"],
     ["Kowalski", "Nowak", "Wiśniewski", "Wójcik", "Kamińska", "Lewandowski", "Zielińska", "Szymański", "Woźniak", "Dąbrowski"]),
    (["Dmitri", "Anastasia", "Ivan", "Ekaterina", "Alexei", "Olga", "Sergei", "Tatiana", "Nikolai", "Irina"],
     ["Ivanov", "Petrova", "Smirnov", "Volkova", "Kuznetsov", "Sokolova", "Popov", "Lebedeva", "Morozov", "Novikova"]),
    (["Gabriel", "Beatriz", "Rafael", "Larissa", "Thiago", "Mariana", "Lucas", "Fernanda", "Bruno", "Juliana"],
     ["Silva", "Santos", "Oliveira", "Souza", "Costa", "Pereira", "Almeida", "Carvalho", "Ribeiro", "Barbosa"]),
    (["Minh", "Linh", "Quang", "Thao", "Duc", "Huong", "Tuan", "Mai", "Khanh", "Ngoc"],
     ["Nguyen", "Tran", "Le", "Pham", "Hoang", "Vu", "Dang", "Bui", "Do", "Ngo"]),
    (["Astrid", "Erik", "Ingrid", "Oskar", "Freja", "Nils", "Sigrid", "Anders", "Elsa", "Lars"],
     ["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Lindberg", "Berg"]),
    (["Kwame", "Ama", "Kofi", "Akosua", "Yaw", "Abena", "Kwabena", "Efua", "Kojo", "Adwoa"],
     ["Mensah", "Owusu", "Boateng", "Asante", "Osei", "Appiah", "Agyeman", "Darko", "Ofori", "Amoah"]),
    (["Dariush", "Shirin", "Reza", "Parisa", "Kian", "Nasrin", "Arash", "Leila", "Babak", "Roya"],
     ["Hosseini", "Karimi", "Ahmadi", "Moradi", "Rezaei", "Jafari", "Tehrani", "Sadeghi", "Rahimi", "Farahani"]),
    (["Giulia", "Marco", "Chiara", "Alessandro", "Francesca", "Matteo", "Sara", "Lorenzo", "Martina", "Davide"],
     ["Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco"]),
    (["Wanjiru", "Otieno", "Achieng", "Kamau", "Njeri", "Mwangi", "Akinyi", "Kiprono", "Wambui", "Ochieng"],
     ["Kariuki", "Odhiambo", "Njoroge", "Wekesa", "Mutua", "Chege", "Kiplagat", "Omondi", "Githinji", "Korir"]),
]  # fmt: skip

CITIES: list[tuple[str, str]] = [
    ("Berlin", "Germany"), ("London", "United Kingdom"), ("Lagos", "Nigeria"), ("Bengaluru", "India"),
    ("New York", "United States"), ("San Francisco", "United States"), ("Toronto", "Canada"),
    ("São Paulo", "Brazil"), ("Singapore", "Singapore"), ("Tokyo", "Japan"), ("Seoul", "South Korea"),
    ("Paris", "France"), ("Amsterdam", "Netherlands"), ("Stockholm", "Sweden"), ("Nairobi", "Kenya"),
    ("Madrid", "Spain"), ("Warsaw", "Poland"), ("Dubai", "United Arab Emirates"), ("Istanbul", "Türkiye"),
    ("Ho Chi Minh City", "Vietnam"), ("Accra", "Ghana"), ("Milan", "Italy"), ("Austin", "United States"),
    ("Shanghai", "China"), ("Sydney", "Australia"),
]  # fmt: skip

# (company, industry)
COMPANIES: list[tuple[str, str]] = [
    ("Acme Analytics", "Software"), ("Northwind Logistics", "Logistics"), ("Globex Energy", "Energy"),
    ("Initech", "Software"), ("Umbrella Health", "Healthcare"), ("Stark Robotics", "Manufacturing"),
    ("Wayne Capital", "Finance"), ("Tyrell Biotech", "Biotechnology"), ("Hooli", "Internet"),
    ("Pied Piper", "Software"), ("Soylent Foods", "Food"), ("Cyberdyne Systems", "Hardware"),
    ("Wonka Retail", "Retail"), ("Gringotts Bank", "Finance"), ("Oceanic Airlines", "Aviation"),
    ("Vandelay Industries", "Manufacturing"), ("Aperture Labs", "Research"), ("Blue Sun Media", "Media"),
    ("Massive Dynamic", "Consulting"), ("Monarch Insurance", "Insurance"), ("Zenith Telecom", "Telecom"),
    ("Lumen Learning", "Education"), ("Kestrel Mobility", "Automotive"), ("Baobab Payments", "Fintech"),
    ("Sakura Games", "Gaming"), ("Fjord Shipping", "Logistics"), ("Nimbus Cloud", "Internet"),
    ("Harbor Legal", "Legal services"), ("Quantum Grid", "Energy"), ("Evergreen Architects", "Architecture"),
]  # fmt: skip

# function -> (titles, topics, offers, asks)
FUNCTIONS: dict[str, tuple[list[str], list[str], list[str], list[str]]] = {
    "data": (
        ["Data Engineer", "Senior Data Engineer", "Staff Data Engineer", "Data Scientist", "Analytics Lead", "Head of Data"],
        ["Data Engineering", "Python", "SQL", "Machine Learning", "Analytics", "Data Pipelines", "Spark"],
        ["reviewing data platform designs", "hiring data engineers", "SQL performance tuning", "getting started in ML"],
        ["a mentor in ML engineering", "introductions to data leaders", "a co-founder for a data startup"],
    ),
    "engineering": (
        ["Software Engineer", "Senior Software Engineer", "Staff Engineer", "Engineering Manager", "CTO", "Site Reliability Engineer"],
        ["Backend", "Distributed Systems", "Go", "Rust", "Kubernetes", "Cloud Architecture", "Security"],
        ["architecture reviews", "scaling teams", "incident postmortems", "open-source maintainership"],
        ["staff engineer roles", "advice on moving into management", "security experts"],
    ),
    "product": (
        ["Product Manager", "Senior Product Manager", "Head of Product", "Product Designer", "UX Researcher"],
        ["Product Management", "UX Design", "User Research", "Roadmapping", "Growth"],
        ["product discovery workshops", "portfolio reviews for designers", "pricing experiments"],
        ["beta customers in fintech", "a design mentor", "product roles in climate tech"],
    ),
    "people": (
        ["Recruiter", "Senior Technical Recruiter", "Talent Partner", "Head of Talent", "HR Business Partner"],
        ["Recruiting", "Hiring", "Talent Acquisition", "Employer Branding", "Compensation"],
        ["CV and interview feedback", "salary benchmarks", "introductions to hiring managers"],
        ["senior engineers open to new roles", "data leaders in Berlin", "referrals for hard-to-fill roles"],
    ),
    "sales": (
        ["Account Executive", "Sales Director", "Business Development Manager", "Partnerships Lead", "Customer Success Manager"],
        ["Sales", "Partnerships", "Enterprise Sales", "Customer Success", "Negotiation"],
        ["warm introductions to buyers", "deal strategy", "go-to-market in new regions"],
        ["introductions to procurement leads", "channel partners in Asia", "a sales mentor"],
    ),
    "finance": (
        ["Financial Analyst", "CFO", "Controller", "Investment Associate", "Venture Partner"],
        ["Finance", "Venture Capital", "Fundraising", "Accounting", "Fintech"],
        ["pitch deck feedback", "fundraising strategy", "financial models"],
        ["founders raising a seed round", "co-investors", "a fractional CFO"],
    ),
    "marketing": (
        ["Marketing Manager", "Content Strategist", "Head of Marketing", "Brand Designer", "Community Manager"],
        ["Marketing", "Content", "Community Building", "SEO", "Brand"],
        ["content strategy reviews", "community launch plans", "speaking at events"],
        ["podcast guests", "a growth marketer", "writers who know developer tools"],
    ),
    "operations": (
        ["Operations Manager", "Supply Chain Lead", "COO", "Program Manager", "Procurement Specialist"],
        ["Operations", "Supply Chain", "Logistics", "Program Management", "Procurement"],
        ["vendor negotiations", "process design", "warehouse automation"],
        ["suppliers in Vietnam", "an operations mentor", "introductions to logistics startups"],
    ),
}  # fmt: skip

HEADLINE_TEMPLATES = [
    "{title} at {company}",
    "{title} · {topic} · {city}",
    "{title} at {company}, helping teams with {topic_lower}",
    "{title} who likes hard {topic_lower} problems",
]

BIO_TEMPLATES = [
    "I work on **{topic_lower}** at {company} in {city}. Happy to talk about {offer}.\n\nCurrently looking for {ask}.",
    "{years} years in {industry_lower}. I care about {topic_lower} and {topic2_lower}.\n\n- Ask me about {offer}\n- Looking for {ask}",
    "Based in {city}. Before {company} I spent time in {industry_lower}. I share what I learn about *{topic_lower}*.",
]
