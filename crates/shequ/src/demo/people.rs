//! Households and residents of the demo street: household sizes and kinds
//! that give Tianlin's age pyramid (many migrants aged 25–45 in rented
//! flats, an old registered population, about 1.5 % of residents aged 80+
//! living alone), valid unique identity numbers and unique phones.

use std::collections::HashSet;

use chrono::{Datelike, NaiveDate};
use rand::RngExt;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use shequ_domain::{CareTag, Gender, IdentityNumber, Residency};

use super::names::{self, Weighted};

/// Ages are computed at this date, not at the time of generation, so the
/// same seed gives the same street on any day.
pub const REFERENCE_YEAR: i32 = 2026;

/// Share of residents aged 80+ living alone.
const ELDERLY_ALONE_SHARE: f64 = 0.015;

/// One generated resident; `household` indexes the household list.
#[derive(Debug, Clone)]
pub struct PersonPlan {
    pub identity_number: String,
    pub name: String,
    pub gender: Gender,
    pub birth_date: NaiveDate,
    pub phone: Option<String>,
    pub residency: Residency,
    /// Sorted tag codes joined with `,`.
    pub care_tags: String,
    pub household: usize,
}

/// Someone who works in the street but lives elsewhere (a non-resident):
/// in the registry because they are a party member here, with no
/// household of the street.
#[derive(Debug, Clone)]
pub struct WorkerPlan {
    pub identity_number: String,
    pub name: String,
    pub gender: Gender,
    pub birth_date: NaiveDate,
    pub phone: Option<String>,
    /// Where they work: an index into the place list (a new-sector place).
    pub place: usize,
}

/// How many residents each household has, in slot order: the `k`-th
/// household gets `sizes[k]` people. Exactly `residents` in total, about
/// `residents / 2.5` households, and the one-person households of the 80+
/// living alone marked.
pub fn household_sizes(residents: usize, rng: &mut ChaCha8Rng) -> Vec<(u8, bool)> {
    let households = ((residents as f64 / 2.5).round() as usize).clamp(1, residents.max(1));
    let alone = ((residents as f64 * ELDERLY_ALONE_SHARE).round() as usize).min(households);
    // Sizes of the other households; mean 2.565 so that the total comes
    // out near 2.5 per household with the elderly singles included.
    const SIZES: &[(u8, u32)] = &[(1, 220), (2, 310), (3, 260), (4, 130), (5, 55), (6, 25)];
    let table = Weighted::new(SIZES);
    let mut out: Vec<(u8, bool)> = (0..households)
        .map(|k| {
            if k < alone {
                (1, true)
            } else {
                (table.pick(rng), false)
            }
        })
        .collect();
    let mut total: usize = out.iter().map(|(s, _)| usize::from(*s)).sum();
    let free = households - alone;
    while total != residents && free > 0 {
        let k = alone + rng.random_range(0..free);
        let s = &mut out[k].0;
        if total < residents && *s < 6 {
            *s += 1;
            total += 1;
        } else if total > residents && *s > 1 {
            *s -= 1;
            total -= 1;
        }
    }
    out.shuffle(rng);
    out
}

/// Where a person's identity number was issued.
#[derive(Clone, Copy)]
enum Origin {
    Shanghai,
    Province(&'static str),
}

/// Draws people and keeps identity numbers and phones unique.
pub struct PeopleGen {
    ids: HashSet<u64>,
    phones: HashSet<String>,
    shanghai_names: Weighted<&'static str>,
    national_names: Weighted<&'static str>,
    shanghai_areas: Weighted<&'static str>,
    migrant_areas: Weighted<&'static str>,
}

impl PeopleGen {
    pub fn new() -> Self {
        Self {
            ids: HashSet::new(),
            phones: HashSet::new(),
            shanghai_names: Weighted::new(names::SHANGHAI_SURNAMES),
            national_names: Weighted::new(names::NATIONAL_SURNAMES),
            shanghai_areas: Weighted::new(names::SHANGHAI_AREAS),
            migrant_areas: Weighted::new(names::MIGRANT_AREAS),
        }
    }

    /// A worker at the place `place` who lives outside the street, aged 23
    /// to 55, from Shanghai or a province: drawn as a resident is (unique
    /// identity number and phone), then given no household.
    pub fn worker(&mut self, place: usize, rng: &mut ChaCha8Rng) -> anyhow::Result<WorkerPlan> {
        let mut h = Household {
            pg: self,
            rng,
            members: Vec::new(),
            // Never read: the person drawn is taken out below.
            household: usize::MAX,
            alone: false,
        };
        let g = h.gender();
        let age = h.rng.random_range(23..=55);
        let origin = if h.rng.random_bool(0.5) {
            Origin::Shanghai
        } else {
            Origin::Province(h.migrant_origin())
        };
        h.person(age, g, None, origin, Residency::NonResident)?;
        let p = h
            .members
            .pop()
            .ok_or_else(|| anyhow::anyhow!("no worker was drawn"))?;
        Ok(WorkerPlan {
            identity_number: p.identity_number,
            name: p.name,
            gender: p.gender,
            birth_date: p.birth_date,
            phone: p.phone,
            place,
        })
    }

    /// The members of one household of `size` people.
    pub fn household(
        &mut self,
        household: usize,
        size: u8,
        elderly_alone: bool,
        rng: &mut ChaCha8Rng,
    ) -> anyhow::Result<Vec<PersonPlan>> {
        let mut h = Household {
            pg: self,
            rng,
            members: Vec::new(),
            household,
            alone: elderly_alone,
        };
        if elderly_alone {
            let g = h.gender();
            // Fewer people at each higher age: 80 is the mode, 98 rare.
            let age = 80 + h.rng.random_range(0..=18).min(h.rng.random_range(0..=18));
            h.registered(age, g, None)?;
            return Ok(h.members);
        }
        let roll: u32 = h.rng.random_range(0..100);
        match size {
            1 if roll < 25 => {
                let g = h.gender();
                let age = h.rng.random_range(60..=79);
                h.registered(age, g, None)?;
            }
            1 if roll < 85 => h.shared_rental(1)?,
            1 => {
                let g = h.gender();
                let age = h.rng.random_range(25..=59);
                h.registered(age, g, None)?;
            }
            2 if roll < 30 => h.registered_couple(60..=90)?,
            2 if roll < 58 => {
                h.migrant_couple(22..=42)?;
            }
            2 if roll < 70 => {
                // Older migrants: cleaners, guards, carers.
                h.migrant_couple(43..=58)?;
            }
            2 if roll < 85 => h.registered_couple(35..=65)?,
            2 => h.shared_rental(2)?,
            3 if roll < 40 => h.migrant_family(1)?,
            3 if roll < 60 => {
                let (surname, age) = h.registered_couple_with(30..=50)?;
                h.children(surname, Origin::Shanghai, age, 1)?;
            }
            3 if roll < 75 => {
                let (surname, age) = h.registered_couple_with(50..=70)?;
                h.children(surname, Origin::Shanghai, age, 1)?;
            }
            3 if roll < 80 => {
                // An old parent, often 80+, with a grown-up child and spouse.
                let g = h.gender();
                let old = h.rng.random_range(78..=95);
                let surname = h.registered(old, g, None)?;
                let g = h.gender();
                let age = old - h.rng.random_range(25..=32);
                h.registered(age, g, Some(surname))?;
                let age = old - h.rng.random_range(22..=30);
                h.registered(age, opposite(g), None)?;
            }
            4 if roll < 25 => h.migrant_family(2)?,
            3 | 4 if roll >= 55 => h.shared_rental(size)?,
            5.. if roll >= 55 => h.shared_rental(size)?,
            _ => h.three_generations(size)?,
        }
        Ok(h.members)
    }

    fn surname(&self, origin: Origin, rng: &mut ChaCha8Rng) -> &'static str {
        match origin {
            Origin::Shanghai => self.shanghai_names.pick(rng),
            Origin::Province(_) => self.national_names.pick(rng),
        }
    }

    /// A valid identity number not used before. The three-digit sequence
    /// carries the gender in its parity; on a collision the next sequence
    /// of the same parity is tried.
    fn identity_number(
        &mut self,
        area: &str,
        birth: NaiveDate,
        gender: Gender,
        rng: &mut ChaCha8Rng,
    ) -> anyhow::Result<String> {
        let date = birth.format("%Y%m%d").to_string();
        let parity = u32::from(gender == Gender::Male);
        let mut seq = rng.random_range(0..500u32) * 2 + parity;
        for _ in 0..500 {
            let body = format!("{area}{date}{seq:03}");
            let key: u64 = body.parse()?;
            if self.ids.insert(key) {
                let id = IdentityNumber::from_body(&body)
                    .map_err(|e| anyhow::anyhow!("identity number {body}: {e}"))?;
                return Ok(id.expose().to_owned());
            }
            seq = (seq + 2) % 1000;
        }
        anyhow::bail!("no free identity number for area {area} and date {date}")
    }

    /// A unique mobile number, or for some elderly people a landline or
    /// nothing; children under 14 have none.
    fn phone(&mut self, age: i32, rng: &mut ChaCha8Rng) -> Option<String> {
        let roll = rng.random_range(0..100);
        let kind = match age {
            ..14 => return None,
            14..18 if roll < 30 => return None,
            80.. if roll < 30 => return None,
            80.. if roll < 60 => "landline",
            60..80 if roll < 8 => return None,
            60..80 if roll < 20 => "landline",
            _ => "mobile",
        };
        loop {
            let number = if kind == "landline" {
                format!("021-64{:06}", rng.random_range(0..1_000_000u32))
            } else {
                let prefix =
                    names::MOBILE_PREFIXES[rng.random_range(0..names::MOBILE_PREFIXES.len())];
                format!("{prefix}{:08}", rng.random_range(0..100_000_000u32))
            };
            if self.phones.insert(number.clone()) {
                return Some(number);
            }
        }
    }

    /// A display name and mobile for a staff account (not a resident).
    pub fn staff_identity(&mut self, rng: &mut ChaCha8Rng) -> (String, String) {
        let age = rng.random_range(28..=55);
        let g = if rng.random_bool(0.5) {
            Gender::Male
        } else {
            Gender::Female
        };
        let surname = self.shanghai_names.pick(rng);
        let name = format!(
            "{surname}{}",
            names::given_name(REFERENCE_YEAR - 1 - age, g, rng)
        );
        let phone = self.phone(30, rng).unwrap_or_default();
        (name, phone)
    }
}

fn opposite(g: Gender) -> Gender {
    match g {
        Gender::Male => Gender::Female,
        Gender::Female => Gender::Male,
    }
}

/// One household being filled.
struct Household<'a> {
    pg: &'a mut PeopleGen,
    rng: &'a mut ChaCha8Rng,
    members: Vec<PersonPlan>,
    household: usize,
    /// The one-person household of someone aged 80+ (tagged).
    alone: bool,
}

impl Household<'_> {
    fn gender(&mut self) -> Gender {
        if self.rng.random_bool(0.5) {
            Gender::Male
        } else {
            Gender::Female
        }
    }

    /// Adds a person; returns their surname.
    fn person(
        &mut self,
        age: i32,
        gender: Gender,
        surname: Option<&'static str>,
        origin: Origin,
        residency: Residency,
    ) -> anyhow::Result<&'static str> {
        let age = age.clamp(0, 104);
        let year = REFERENCE_YEAR - 1 - age;
        let days = if year % 4 == 0 { 366 } else { 365 };
        let birth = NaiveDate::from_yo_opt(year, self.rng.random_range(1..=days))
            .ok_or_else(|| anyhow::anyhow!("no day in year {year}"))?;
        let surname = surname.unwrap_or_else(|| self.pg.surname(origin, self.rng));
        let name = format!(
            "{surname}{}",
            names::given_name(birth.year(), gender, self.rng)
        );
        let area = match origin {
            Origin::Province(area) => area,
            // One registered adult in ten was born elsewhere and moved
            // their registration to Shanghai later.
            Origin::Shanghai if (25..60).contains(&age) && self.rng.random_range(0..10) == 0 => {
                self.pg.migrant_areas.pick(self.rng)
            }
            Origin::Shanghai if age < 20 => "310104",
            Origin::Shanghai => self.pg.shanghai_areas.pick(self.rng),
        };
        let identity_number = self.pg.identity_number(area, birth, gender, self.rng)?;
        let phone = self.pg.phone(age, self.rng);
        let mut tags = Vec::new();
        let disabled = match age {
            ..60 => 8,
            60..80 => 30,
            _ => 60,
        };
        if self.rng.random_range(0..1000) < disabled {
            tags.push(CareTag::DISABLED);
        }
        let low_income = match residency {
            Residency::Migrant => 1,
            Residency::Registered if age >= 18 => 22,
            Residency::Registered => 10,
            // Workers from elsewhere: their welfare is their own street's.
            Residency::NonResident => 0,
        };
        if self.rng.random_range(0..1000) < low_income {
            tags.push(CareTag::LOW_INCOME);
        }
        if self.alone {
            tags.push(CareTag::ELDERLY_LIVING_ALONE);
        }
        tags.sort_unstable();
        self.members.push(PersonPlan {
            identity_number,
            name,
            gender,
            birth_date: birth,
            phone,
            residency,
            care_tags: tags.join(","),
            household: self.household,
        });
        Ok(surname)
    }

    fn registered(
        &mut self,
        age: i32,
        g: Gender,
        surname: Option<&'static str>,
    ) -> anyhow::Result<&'static str> {
        self.person(age, g, surname, Origin::Shanghai, Residency::Registered)
    }

    fn migrant_origin(&mut self) -> &'static str {
        self.pg.migrant_areas.pick(self.rng)
    }

    /// A migrant couple with `kids` children.
    fn migrant_family(&mut self, kids: usize) -> anyhow::Result<()> {
        let (surname, origin, age) = self.migrant_couple(26..=50)?;
        self.children(surname, Origin::Province(origin), age, kids)
    }

    /// Grandparents, parents and children, all registered.
    fn three_generations(&mut self, size: u8) -> anyhow::Result<()> {
        let elders = if size >= 5 { 2 } else { 1 };
        let grand_age = self.rng.random_range(62..=88);
        let g = self.gender();
        let surname = self.registered(grand_age, g, None)?;
        if elders == 2 {
            let age = grand_age + self.rng.random_range(0..=4) - 2;
            self.registered(age, opposite(g), None)?;
        }
        let parent_age = grand_age - self.rng.random_range(25..=32);
        self.registered(parent_age, Gender::Male, Some(surname))?;
        let age = parent_age - self.rng.random_range(0..=4);
        self.registered(age, Gender::Female, None)?;
        let kids = usize::from(size).saturating_sub(elders + 2);
        self.children(surname, Origin::Shanghai, parent_age, kids)
    }

    /// Unrelated young migrants sharing a rented flat (群租).
    fn shared_rental(&mut self, size: u8) -> anyhow::Result<()> {
        for _ in 0..size {
            let g = self.gender();
            let origin = self.migrant_origin();
            let age = if self.rng.random_range(0..5) == 0 {
                self.rng.random_range(40..=58)
            } else {
                self.rng.random_range(19..=40)
            };
            self.person(age, g, None, Origin::Province(origin), Residency::Migrant)?;
        }
        Ok(())
    }

    /// A migrant couple from one county; returns the husband's surname,
    /// the county and his age.
    fn migrant_couple(
        &mut self,
        ages: std::ops::RangeInclusive<i32>,
    ) -> anyhow::Result<(&'static str, &'static str, i32)> {
        let origin = self.migrant_origin();
        let age = self.rng.random_range(ages);
        let surname = self.person(
            age,
            Gender::Male,
            None,
            Origin::Province(origin),
            Residency::Migrant,
        )?;
        let wife_origin = if self.rng.random_range(0..4) == 0 {
            self.migrant_origin()
        } else {
            origin
        };
        let wife_age = age - self.rng.random_range(0..=4);
        self.person(
            wife_age,
            Gender::Female,
            None,
            Origin::Province(wife_origin),
            Residency::Migrant,
        )?;
        Ok((surname, origin, age))
    }

    fn registered_couple(&mut self, ages: std::ops::RangeInclusive<i32>) -> anyhow::Result<()> {
        self.registered_couple_with(ages).map(|_| ())
    }

    fn registered_couple_with(
        &mut self,
        ages: std::ops::RangeInclusive<i32>,
    ) -> anyhow::Result<(&'static str, i32)> {
        let age = self.rng.random_range(ages);
        let surname = self.registered(age, Gender::Male, None)?;
        let wife_age = age - self.rng.random_range(0..=4);
        self.registered(wife_age, Gender::Female, None)?;
        Ok((surname, age))
    }

    /// Children of parents aged `parent_age`, carrying the father's
    /// surname and registration.
    fn children(
        &mut self,
        surname: &'static str,
        origin: Origin,
        parent_age: i32,
        n: usize,
    ) -> anyhow::Result<()> {
        let residency = match origin {
            Origin::Shanghai => Residency::Registered,
            Origin::Province(_) => Residency::Migrant,
        };
        let oldest = (parent_age - 22).clamp(0, 30);
        for k in 0..n {
            let age = (oldest - self.rng.random_range(0..=oldest.min(16)) - 2 * k as i32).max(0);
            let g = self.gender();
            self.person(age, g, Some(surname), origin, residency)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn sizes_sum_to_residents_and_mark_the_elderly() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for residents in [100, 2_000, 20_000] {
            let sizes = household_sizes(residents, &mut rng);
            let total: usize = sizes.iter().map(|(s, _)| usize::from(*s)).sum();
            assert_eq!(total, residents);
            let alone = sizes.iter().filter(|(_, a)| *a).count();
            assert_eq!(alone, (residents as f64 * 0.015).round() as usize);
            assert!(sizes.iter().all(|(s, a)| !a || *s == 1));
        }
    }

    #[test]
    fn households_have_their_size_and_valid_people() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let mut pg = PeopleGen::new();
        for (k, size) in [1u8, 2, 3, 4, 5, 6]
            .into_iter()
            .cycle()
            .take(600)
            .enumerate()
        {
            let people = pg.household(k, size, false, &mut rng).expect("household");
            assert_eq!(people.len(), usize::from(size));
            for p in people {
                let id = IdentityNumber::parse(&p.identity_number).expect("valid");
                assert_eq!(id.gender(), p.gender);
                assert_eq!(id.birth_date(), p.birth_date);
                assert!(!p.care_tags.contains(CareTag::ELDERLY_LIVING_ALONE) || size == 1);
            }
        }
        let alone = pg.household(600, 1, true, &mut rng).expect("household");
        assert_eq!(
            alone[0].care_tags.split(',').next_back(),
            Some(CareTag::ELDERLY_LIVING_ALONE)
        );
        assert!(REFERENCE_YEAR - 1 - alone[0].birth_date.year() >= 80);
    }
}
