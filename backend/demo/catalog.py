"""Static facts for the demo: the three markets, their districts, names, products and users.

All creditors and companies are fictional. Districts are real, with their approximate centres;
street names are real streets of each district. Demo emails use the reserved example.* domains.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.schemas.enums import Language, Role


@dataclass(frozen=True, slots=True)
class District:
    """A district (distrito, localidad, alcaldía) with its centre and some of its streets.

    ``numbers`` is the range of door numbers, or in Bogotá of the crossing carrera.
    """

    name: str
    latitude: float
    longitude: float
    streets: tuple[str, ...]
    numbers: tuple[int, int]
    colonias: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Product:
    """A credit product; amounts are in major units, rounded to ``step`` (cards keep cents)."""

    code: str
    name: str
    low: int
    high: int
    step: int
    weight: int
    cents: bool = False
    companies: bool = False


def _split(text: str) -> tuple[str, ...]:
    """Names written as one comma-separated string, which reads better than a long tuple."""
    return tuple(name.strip() for name in text.split(","))


@dataclass(frozen=True, slots=True)
class Names:
    male: tuple[str, ...]
    female: tuple[str, ...]
    surnames: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Market:
    """One city: its creditor and portfolio, people, places, products and house rules."""

    country: str
    currency: str
    timezone: str
    city: str
    region: str
    creditor: str
    creditor_code: str
    creditor_tax_id: str
    portfolio: str
    agent: str | None  # email of the field agent who works the city; None leaves it unassigned
    districts: tuple[District, ...]
    names: Names
    company_forms: tuple[str, ...]
    company_suffix: str
    unit_label: str  # how an apartment is written after the street: Dpto., Apto., Int.
    products: tuple[Product, ...]
    phone_prefixes: tuple[str, ...]
    phone_digits: int
    fee_name: str
    fee_range: tuple[int, int]  # major units
    payment_step: int  # minor units that payments, fees and discounts are rounded to
    minor_step: int  # smallest amount in use: 100 for COP (no centavos), 1 otherwise
    disputes: int  # how many open accounts the debtor disputes


@dataclass(frozen=True, slots=True)
class DemoUser:
    email: str
    full_name: str
    role: Role
    supervisor: str | None = None
    language: Language = Language.es
    creditor: str | None = None  # a creditor's user: their creditor's name
    can_write: bool = False


SUPERVISOR = "supervisor@demo.cobro"
USERS: tuple[DemoUser, ...] = (
    DemoUser("admin@demo.cobro", "Administración Demo", Role.admin),
    DemoUser(SUPERVISOR, "Lucía Fernández Paredes", Role.supervisor),
    DemoUser("agent1@demo.cobro", "Carlos Mendoza Quispe", Role.agent, SUPERVISOR),
    DemoUser("agent2@demo.cobro", "Valentina Ríos Ospina", Role.agent, SUPERVISOR),
    # The Lima bank's own staff: their portfolios only, read-only.
    DemoUser(
        "banco@demo.cobro", "Rosa Huamán (Banco)", Role.creditor, creditor="Banco Vicuña del Perú"
    ),
)

# Foreign residents, who prefer English (carné/cédula de extranjería; CURP "NE" in Mexico).
FOREIGN = Names(
    male=("James", "Michael", "David", "Daniel", "Thomas", "Robert", "Andrew", "Kevin"),
    female=("Sarah", "Emily", "Jennifer", "Laura", "Rachel", "Hannah", "Megan", "Olivia"),
    surnames=("Smith", "Johnson", "Miller", "Brown", "Wilson", "Taylor", "Anderson", "Clark"),
)
EMAIL_DOMAINS = ("example.com", "example.net", "example.org")
INTEREST = "Intereses moratorios"
PAYMENTS = ("Pago en ventanilla", "Transferencia bancaria", "Pago en banca móvil", "Pago en campo")
DISCOUNT = "Descuento por cancelación"
# States of birth in CURPs of people living in Mexico City: mostly CDMX itself (DF).
MX_BIRTH_STATES = ("DF",) * 12 + ("MC", "MC", "MC", "PL", "VZ", "OC", "GR", "HG", "MN", "GT", "JC")

LIMA = Market(
    country="PE",
    currency="PEN",
    timezone="America/Lima",
    city="Lima",
    region="Lima",
    creditor="Banco Vicuña del Perú",
    creditor_code="BVP",
    creditor_tax_id="20518472632",
    portfolio="Lima - Banca personas y MYPE",
    agent="agent1@demo.cobro",
    districts=(
        District(
            "Miraflores",
            -12.1219,
            -77.0300,
            (
                "Av. José Larco",
                "Av. Benavides",
                "Calle Schell",
                "Av. Petit Thouars",
                "Calle Berlín",
            ),
            (100, 1500),
        ),
        District(
            "San Isidro",
            -12.0975,
            -77.0365,
            ("Av. Conquistadores", "Calle Las Begonias", "Av. Camino Real", "Av. Pezet"),
            (100, 1200),
        ),
        District(
            "Santiago de Surco",
            -12.1400,
            -76.9950,
            ("Av. Caminos del Inca", "Av. Primavera", "Av. El Polo", "Av. Tomás Marsano"),
            (100, 3000),
        ),
        District(
            "Los Olivos",
            -11.9900,
            -77.0700,
            ("Av. Carlos Izaguirre", "Av. Antúnez de Mayolo", "Av. Las Palmeras"),
            (100, 2000),
        ),
        District(
            "San Juan de Lurigancho",
            -11.9800,
            -77.0000,
            ("Av. Próceres de la Independencia", "Av. Gran Chimú", "Av. Canto Grande"),
            (100, 3500),
        ),
        District(
            "Jesús María",
            -12.0760,
            -77.0450,
            ("Av. Salaverry", "Av. Brasil", "Av. Cuba", "Av. San Felipe"),
            (100, 2500),
        ),
        District(
            "San Miguel",
            -12.0775,
            -77.0900,
            ("Av. La Marina", "Av. Universitaria", "Av. Libertad"),
            (100, 2800),
        ),
        District(
            "Ate",
            -12.0260,
            -76.9190,
            ("Av. Nicolás Ayllón", "Carretera Central", "Av. Separadora Industrial"),
            (100, 5000),
        ),
        District(
            "Comas",
            -11.9330,
            -77.0590,
            ("Av. Túpac Amaru", "Av. Universitaria", "Av. Belaúnde"),
            (100, 3000),
        ),
        District(
            "Villa El Salvador",
            -12.2130,
            -76.9370,
            ("Av. Revolución", "Av. Pastor Sevilla", "Av. Juan Velasco Alvarado"),
            (100, 2000),
        ),
        District(
            "Chorrillos",
            -12.1690,
            -77.0180,
            ("Av. Defensores del Morro", "Av. Huaylas", "Av. Guardia Civil"),
            (100, 2500),
        ),
        District(
            "La Molina",
            -12.0850,
            -76.9400,
            ("Av. La Molina", "Av. Raúl Ferrero", "Av. La Fontana", "Av. Javier Prado Este"),
            (100, 1800),
        ),
    ),
    names=Names(
        male=_split(
            "Juan, José, Luis, Carlos, Jorge, Miguel, Pedro, Víctor, César, Julio, Raúl, Manuel, "
            "Edwin, Wilmer, Percy, Renzo, Diego, Piero, Juan Carlos, José Luis, Luis Alberto"
        ),
        female=_split(
            "María, Rosa, Carmen, Ana, Luz, Juana, Gladys, Elizabeth, Milagros, Roxana, Patricia, "
            "Mariela, Katherine, Lucía, Flor, Yolanda, Fiorella, Rocío, María Elena, Rosa María"
        ),
        surnames=_split(
            "Quispe, Flores, Sánchez, Rodríguez, García, Rojas, Huamán, Mamani, Díaz, Torres, "
            "Vásquez, Chávez, Ramírez, Mendoza, Castillo, Gutiérrez, Espinoza, Vargas, Condori, "
            "Paredes, Salazar, Cárdenas, Ticona, Yupanqui, Villanueva, Aguilar, Ríos, Palomino, "
            "Ccahuana, Huaranga"
        ),
    ),
    company_forms=("Inversiones", "Comercial", "Transportes", "Distribuidora", "Inmobiliaria"),
    company_suffix="S.A.C.",
    unit_label="Dpto.",
    products=(
        Product("TC", "Tarjeta de crédito", 300, 8_000, 1, 40, cents=True),
        Product("PP", "Préstamo personal", 1_500, 25_000, 100, 35),
        Product("CV", "Crédito vehicular", 15_000, 25_000, 500, 10),
        Product("MY", "Préstamo MYPE", 3_000, 25_000, 500, 1, companies=True),
    ),
    phone_prefixes=("+519",),
    phone_digits=8,
    fee_name="Gastos de cobranza",
    fee_range=(35, 120),
    payment_step=1_000,
    minor_step=1,
    disputes=1,
)

BOGOTA = Market(
    country="CO",
    currency="COP",
    timezone="America/Bogota",
    city="Bogotá",
    region="Bogotá D.C.",
    creditor="Financiera Cafetera",
    creditor_code="FCF",
    creditor_tax_id="9003842159",
    portfolio="Bogotá - Consumo",
    agent="agent2@demo.cobro",
    districts=(
        District(
            "Chapinero",
            4.6486,
            -74.0620,
            ("Calle 53", "Calle 57", "Calle 63", "Calle 67", "Calle 72"),
            (4, 17),
        ),
        District(
            "Usaquén",
            4.7030,
            -74.0300,
            ("Calle 116", "Calle 122", "Calle 127", "Calle 134", "Calle 140", "Calle 147"),
            (7, 20),
        ),
        District(
            "Suba",
            4.7400,
            -74.0830,
            ("Calle 128", "Calle 138", "Calle 145", "Calle 153", "Calle 160"),
            (58, 110),
        ),
        District(
            "Engativá",
            4.7050,
            -74.1100,
            ("Calle 63", "Calle 66", "Calle 70", "Calle 72", "Calle 80"),
            (70, 112),
        ),
        District(
            "Kennedy",
            4.6280,
            -74.1550,
            ("Calle 26 Sur", "Calle 35 Sur", "Calle 38 Sur", "Calle 40 Sur", "Calle 42 Sur"),
            (70, 86),
        ),
        District(
            "Teusaquillo",
            4.6400,
            -74.0780,
            ("Calle 39", "Calle 45", "Calle 49", "Calle 53", "Calle 63"),
            (14, 30),
        ),
        District(
            "Fontibón",
            4.6780,
            -74.1410,
            ("Calle 17", "Calle 18", "Calle 20", "Calle 22", "Calle 24"),
            (96, 112),
        ),
        District(
            "Bosa",
            4.6180,
            -74.1900,
            ("Calle 59 Sur", "Calle 63 Sur", "Calle 65 Sur", "Calle 69 Sur", "Calle 73 Sur"),
            (77, 99),
        ),
        District(
            "Barrios Unidos",
            4.6670,
            -74.0720,
            ("Calle 66", "Calle 68", "Calle 72", "Calle 76", "Calle 80"),
            (20, 60),
        ),
        District(
            "Puente Aranda",
            4.6150,
            -74.1120,
            ("Calle 6", "Calle 9", "Calle 13", "Calle 17", "Calle 19"),
            (30, 68),
        ),
    ),
    names=Names(
        male=_split(
            "Juan Carlos, Andrés Felipe, Juan David, Carlos Andrés, Jhon Jairo, Luis Fernando, "
            "Santiago, Sebastián, Alejandro, Julián, Camilo, Mauricio, Óscar, Diego Alejandro, "
            "Yeison, Fabián, Hernán, Wilson"
        ),
        female=_split(
            "María Camila, Luisa Fernanda, Valentina, Daniela, Paola Andrea, Diana Marcela, "
            "Leidy Johana, Natalia, Laura, Sandra Milena, Angélica, Claudia Patricia, Adriana, "
            "Yuliana, Catalina, Martha Lucía, Luz Mery, Viviana"
        ),
        surnames=_split(
            "Rodríguez, Gómez, González, Martínez, García, López, Hernández, Sánchez, Ramírez, "
            "Pérez, Díaz, Muñoz, Rojas, Moreno, Jiménez, Vargas, Castro, Ospina, Restrepo, "
            "Cárdenas, Valencia, Zapata, Arango, Quintero, Giraldo, Montoya, Castaño, Cardona, "
            "Mejía, Londoño"
        ),
    ),
    company_forms=("Inversiones", "Comercializadora", "Distribuidora", "Construcciones"),
    company_suffix="S.A.S.",
    unit_label="Apto.",
    products=(
        Product("TC", "Tarjeta de crédito", 500_000, 12_000_000, 1_000, 40),
        Product("LI", "Crédito de libre inversión", 2_000_000, 40_000_000, 100_000, 35),
        Product("CV", "Crédito vehicular", 20_000_000, 40_000_000, 500_000, 10),
        Product("CE", "Crédito empresarial", 5_000_000, 40_000_000, 500_000, 1, companies=True),
    ),
    phone_prefixes=tuple(
        f"+57{p}" for p in ("300", "301", "302", "304", "305", "310", "311", "312", "313", "314")
    )
    + tuple(f"+57{p}" for p in ("315", "316", "317", "318", "319", "320", "321", "322", "350")),
    phone_digits=7,
    fee_name="Honorarios de cobranza",
    fee_range=(40_000, 150_000),
    payment_step=1_000_000,
    minor_step=100,
    disputes=1,
)

CDMX = Market(
    country="MX",
    currency="MXN",
    timezone="America/Mexico_City",
    city="Ciudad de México",
    region="CDMX",
    creditor="Tiendas El Nopal",
    creditor_code="TEN",
    creditor_tax_id="TNO870312QS8",
    portfolio="CDMX - Crédito en tienda",
    agent=None,  # a new portfolio waiting for the supervisor to assign it
    districts=(
        District(
            "Coyoacán",
            19.3500,
            -99.1620,
            ("Av. Miguel Ángel de Quevedo", "Calle Francisco Sosa", "Av. Río Churubusco"),
            (10, 1200),
            ("Del Carmen", "Villa Coyoacán", "Santa Catarina", "Romero de Terreros"),
        ),
        District(
            "Iztapalapa",
            19.3570,
            -99.0660,
            ("Calz. Ermita Iztapalapa", "Av. Tláhuac", "Av. Telecomunicaciones"),
            (10, 4500),
            ("San Lorenzo Tezonco", "Santa Cruz Meyehualco", "Escuadrón 201", "Juan Escutia"),
        ),
        District(
            "Benito Juárez",
            19.3800,
            -99.1600,
            ("Av. Insurgentes Sur", "Calle Pilares", "Av. División del Norte", "Calle Amores"),
            (10, 1800),
            ("Del Valle Centro", "Narvarte Poniente", "Portales Norte", "Nápoles", "Mixcoac"),
        ),
        District(
            "Gustavo A. Madero",
            19.4820,
            -99.1100,
            ("Calz. de Guadalupe", "Av. Montevideo", "Av. Instituto Politécnico Nacional"),
            (10, 2500),
            ("Lindavista", "Industrial", "Guadalupe Tepeyac", "Estrella"),
        ),
        District(
            "Cuauhtémoc",
            19.4330,
            -99.1480,
            ("Av. Álvaro Obregón", "Calle Durango", "Calle Río Lerma", "Calle Puebla"),
            (10, 400),
            ("Roma Norte", "Condesa", "Juárez", "Doctores", "Santa María la Ribera"),
        ),
        District(
            "Miguel Hidalgo",
            19.4320,
            -99.1950,
            ("Av. Ejército Nacional", "Calle Homero", "Av. Marina Nacional", "Calle Lago Alberto"),
            (10, 1500),
            ("Polanco", "Anzures", "Tacuba", "Anáhuac", "Escandón"),
        ),
        District(
            "Tlalpan",
            19.2900,
            -99.1670,
            ("Calz. de Tlalpan", "Av. San Fernando", "Periférico Sur"),
            (10, 4800),
            ("Tlalpan Centro", "Toriello Guerra", "Isidro Fabela", "Villa Coapa"),
        ),
        District(
            "Azcapotzalco",
            19.4850,
            -99.1850,
            ("Av. Azcapotzalco", "Av. Aquiles Serdán", "Av. Cuitláhuac", "Calz. Camarones"),
            (10, 800),
            ("Clavería", "Azcapotzalco Centro", "Nueva Santa María", "Pro Hogar"),
        ),
        District(
            "Venustiano Carranza",
            19.4300,
            -99.1000,
            ("Calz. Ignacio Zaragoza", "Av. Oceanía", "Av. Eduardo Molina"),
            (10, 3000),
            ("Moctezuma 2a Sección", "Jardín Balbuena", "Romero Rubio", "Aviación Civil"),
        ),
        District(
            "Álvaro Obregón",
            19.3590,
            -99.2030,
            ("Av. Revolución", "Av. Desierto de los Leones", "Av. Centenario"),
            (10, 2000),
            ("San Ángel", "Guadalupe Inn", "Olivar de los Padres", "Las Águilas"),
        ),
    ),
    names=Names(
        male=_split(
            "José Luis, Juan Carlos, Miguel Ángel, Jesús, Francisco Javier, Alejandro, Jorge, "
            "Ricardo, Arturo, Fernando, Eduardo, Roberto, Emiliano, Santiago, Héctor, Óscar, "
            "Sergio, Luis Enrique"
        ),
        female=_split(
            "María Guadalupe, Guadalupe, María Fernanda, Ximena, Sofía, Verónica, Gabriela, "
            "Alejandra, Karla, Brenda, Itzel, Citlali, Mariana, Claudia, Leticia, Rocío, Ana Karen"
        ),
        surnames=_split(
            "Hernández, García, Martínez, López, González, Pérez, Rodríguez, Sánchez, Ramírez, "
            "Cruz, Flores, Gómez, Morales, Vázquez, Reyes, Jiménez, Torres, Gutiérrez, Ruiz, "
            "Mendoza, Aguilar, Ortiz, Castillo, Romero, Álvarez, Chávez, Rivera, Juárez, "
            "Domínguez, Zúñiga"
        ),
    ),
    company_forms=("Abarrotes", "Comercializadora", "Materiales", "Transportes"),
    company_suffix="S.A. de C.V.",
    unit_label="Int.",
    products=(
        Product("TD", "Tarjeta departamental", 2_000, 45_000, 1, 35, cents=True),
        Product("CT", "Crédito en tienda", 2_000, 30_000, 10, 30),
        Product("TM", "Plan de telefonía móvil", 2_000, 9_000, 1, 15, cents=True),
        Product("PP", "Préstamo personal", 10_000, 150_000, 500, 20),
        Product("PY", "Crédito PyME", 30_000, 150_000, 1_000, 1, companies=True),
    ),
    phone_prefixes=("+5255",),
    phone_digits=8,
    fee_name="Comisión por pago tardío",
    fee_range=(300, 900),
    payment_step=5_000,
    minor_step=1,
    disputes=0,
)

MARKETS: tuple[Market, ...] = (LIMA, BOGOTA, CDMX)
