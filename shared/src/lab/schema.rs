//! What the two statements read from CPONE's database: every table and column, the kind of
//! value the code reads from it, and the columns an index must lead. One list: the preflight
//! checks a real database against it; the tests check both statements and `db/schema.sql`
//! against it (docs/contract.md, "Lab data").

/// How the statements use a column, and so which column types read correctly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A row id or user id: joined on, or cast to a decimal string.
    Id,
    /// Returned as text (names, codes, results).
    Text,
    /// `<Prefix>IsActive` and similar flags, compared with `'Y'`, `'N'`, `''`.
    Flag,
    /// The DATE half of a workflow step, combined with its TIME column.
    Date,
    /// The TIME half of a workflow step.
    Time,
}

/// What a column's type (information_schema `DATA_TYPE`, lower case) means for a [`Kind`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeFit {
    Fits,
    /// Reads, but not as the statements assume: the reason.
    Doubtful(&'static str),
    /// Would give wrong answers or errors: the reason.
    Wrong(&'static str),
}

impl Kind {
    pub fn fit(self, data_type: &str) -> TypeFit {
        let t = data_type.trim().to_ascii_lowercase();
        let integer = matches!(
            t.as_str(),
            "int" | "integer" | "bigint" | "mediumint" | "smallint" | "tinyint"
        );
        let text = matches!(
            t.as_str(),
            "char" | "varchar" | "tinytext" | "text" | "mediumtext" | "longtext" | "enum" | "set"
        );
        match self {
            Kind::Id if integer => TypeFit::Fits,
            Kind::Id if text || t == "decimal" => {
                TypeFit::Doubtful("ids are joined as numbers; a text id converts on every row")
            }
            Kind::Id => TypeFit::Wrong("an id must be an integer column"),
            Kind::Text if text || t == "decimal" => TypeFit::Fits,
            Kind::Text => TypeFit::Wrong("returned as text: any other type is a 500 at run time"),
            Kind::Flag if text => TypeFit::Fits,
            Kind::Flag => TypeFit::Wrong("compared with 'Y': a flag must be a character column"),
            Kind::Date if t == "date" => TypeFit::Fits,
            Kind::Date if matches!(t.as_str(), "datetime" | "timestamp") => TypeFit::Wrong(
                "combined with its TIME column: a datetime here would add the time twice",
            ),
            Kind::Date => TypeFit::Wrong("a workflow date must be a DATE column"),
            Kind::Time if t == "time" => TypeFit::Fits,
            Kind::Time => TypeFit::Wrong("a workflow time must be a TIME column"),
        }
    }
}

/// One table the statements read.
#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    /// Grows with every order (a full scan of it would grow with the database).
    pub order_sized: bool,
    pub columns: &'static [(&'static str, Kind)],
    /// Columns that must lead an index (the primary key counts): every lookup of one order
    /// reads only that order's rows through them.
    pub indexed: &'static [&'static str],
}

use Kind::{Date, Flag, Id, Text, Time};

/// Every table and column `sampling_timestamp.sql` and `glucose.sql` read.
pub const TABLES: &[Table] = &[
    Table {
        name: "t_orderheader",
        order_sized: true,
        columns: &[
            ("T_OrderHeaderID", Id),
            ("T_OrderHeaderLabNumber", Text),
            ("T_OrderHeaderIsActive", Flag),
        ],
        indexed: &["T_OrderHeaderID", "T_OrderHeaderLabNumber"],
    },
    Table {
        name: "t_orderdetail",
        order_sized: true,
        columns: &[
            ("T_OrderDetailID", Id),
            ("T_OrderDetailT_OrderHeaderID", Id),
            ("T_OrderDetailT_TestID", Id),
            ("T_OrderDetailIsActive", Flag),
        ],
        indexed: &["T_OrderDetailT_OrderHeaderID"],
    },
    Table {
        name: "t_test",
        order_sized: false,
        columns: &[
            ("T_TestID", Id),
            ("T_TestName", Text),
            ("T_TestSasCode", Text),
            ("T_TestNat_TestID", Id),
            ("T_TestT_SampleTypeID", Id),
            ("T_TestParentT_TestID", Id),
            ("T_TestIsNonLab", Flag),
            ("T_TestIsActive", Flag),
        ],
        indexed: &["T_TestID"],
    },
    Table {
        name: "nat_testmap",
        order_sized: false,
        columns: &[
            ("Nat_TestMapNat_TestID", Id),
            ("Nat_TestMapCode", Text),
            ("Nat_TestMapIsActive", Flag),
        ],
        indexed: &["Nat_TestMapNat_TestID"],
    },
    Table {
        name: "t_sampletype",
        order_sized: false,
        columns: &[
            ("T_SampleTypeID", Id),
            ("T_SampleTypeT_BahanID", Id),
            ("T_SampleTypeIsActive", Flag),
        ],
        indexed: &["T_SampleTypeID"],
    },
    Table {
        name: "t_bahan",
        order_sized: false,
        columns: &[
            ("T_BahanID", Id),
            ("T_BahanT_SampleStationID", Id),
            ("T_BahanIsActive", Flag),
        ],
        indexed: &["T_BahanID"],
    },
    Table {
        name: "t_samplestation",
        order_sized: false,
        columns: &[
            ("T_SampleStationID", Id),
            ("T_SampleStationName", Text),
            ("T_SampleStationIsActive", Flag),
        ],
        indexed: &["T_SampleStationID"],
    },
    Table {
        name: "t_order_location",
        order_sized: true,
        columns: &[
            ("T_OrderLocationT_OrderHeaderID", Id),
            ("T_OrderLocationT_SampleStationID", Id),
            ("T_OrderLocationM_LocationID", Id),
            ("T_OrderLocationIsActive", Flag),
        ],
        indexed: &["T_OrderLocationT_OrderHeaderID"],
    },
    Table {
        name: "m_location",
        order_sized: false,
        columns: &[
            ("M_LocationID", Id),
            ("M_LocationName", Text),
            ("M_LocationIsActive", Flag),
        ],
        indexed: &["M_LocationID"],
    },
    Table {
        name: "t_ordersample",
        order_sized: true,
        columns: &[
            ("T_OrderSampleID", Id),
            ("T_OrderSampleT_OrderHeaderID", Id),
            ("T_OrderSampleT_SampleTypeID", Id),
            ("T_OrderSampleSamplingDate", Date),
            ("T_OrderSampleSamplingTime", Time),
            ("T_OrderSampleSamplingUserID", Id),
            ("T_OrderSampleReceiveDate", Date),
            ("T_OrderSampleReceiveTime", Time),
            ("T_OrderSampleReceiveUserID", Id),
            ("T_OrderSampleIsActive", Flag),
        ],
        indexed: &["T_OrderSampleT_OrderHeaderID"],
    },
    Table {
        name: "t_samplingso",
        order_sized: true,
        columns: &[
            ("T_SamplingSoID", Id),
            ("T_SamplingSoT_OrderHeaderID", Id),
            ("T_SamplingSoT_TestID", Id),
            ("T_SamplingSoProcessDate", Date),
            ("T_SamplingSoProcessTime", Time),
            ("T_SamplingSoProcessUserID", Id),
            ("T_SamplingSoDoneDate", Date),
            ("T_SamplingSoDoneTime", Time),
            ("T_SamplingSoDoneUserID", Id),
            ("T_SamplingSoIsActive", Flag),
        ],
        indexed: &["T_SamplingSoT_OrderHeaderID"],
    },
    Table {
        name: "order_glucose",
        order_sized: true,
        columns: &[
            ("OrderGlucoseID", Id),
            ("OrderGlucoseT_OrderHeaderID", Id),
            ("OrderGlucoseNat_TestID", Id),
            ("OrderGlucoseResult", Text),
        ],
        indexed: &["OrderGlucoseT_OrderHeaderID"],
    },
];

/// The table the lab number is looked up in, and its column.
pub const LAB_NUMBER: (&str, &str) = ("t_orderheader", "T_OrderHeaderLabNumber");

pub fn table(name: &str) -> Option<&'static Table> {
    TABLES.iter().find(|t| t.name == name)
}

/// The tables a statement names after `FROM` or `JOIN`, with the alias each is read under
/// (the table's own name when it has none), in order of appearance. Comments are skipped.
pub fn table_aliases(sql: &str) -> Vec<(String, &'static Table)> {
    let words = words(sql);
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate() {
        if !(w.eq_ignore_ascii_case("from") || w.eq_ignore_ascii_case("join")) {
            continue;
        }
        let Some(t) = words.get(i + 1).and_then(|n| table(n)) else {
            continue;
        };
        let alias = words
            .get(i + 2)
            .filter(|a| !is_keyword(a) && table(a).is_none())
            .map_or(t.name, |a| a.as_str());
        out.push((alias.to_string(), t));
    }
    out
}

/// Every word of `sql` outside comments and string literals (identifiers, keywords).
pub fn words(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in sql.lines() {
        let code = line.split("--").next().unwrap_or_default();
        let mut in_string = false;
        let mut word = String::new();
        for c in code.chars() {
            if c == '\'' {
                in_string = !in_string;
            }
            if !in_string && (c.is_ascii_alphanumeric() || c == '_') {
                word.push(c);
            } else if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
        }
        if !word.is_empty() {
            out.push(word);
        }
    }
    out
}

fn is_keyword(w: &str) -> bool {
    [
        "on", "where", "join", "left", "inner", "group", "order", "union", "as",
    ]
    .iter()
    .any(|k| w.eq_ignore_ascii_case(k))
}

/// Whether `word` is written like a CPONE column (`T_OrderHeaderID`, `Nat_TestMapCode`,
/// `OrderGlucoseResult`): it starts with a capital letter and has a lower-case letter, unlike
/// SQL keywords and functions.
pub fn looks_like_column(word: &str) -> bool {
    word.starts_with(|c: char| c.is_ascii_uppercase())
        && word.chars().any(|c| c.is_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::mysql::{GLUCOSE_SQL, SAMPLING_SQL};
    use std::collections::BTreeSet;

    fn listed_columns() -> BTreeSet<&'static str> {
        TABLES
            .iter()
            .flat_map(|t| t.columns.iter().map(|(c, _)| *c))
            .collect()
    }

    /// Every column-like word of both statements is in the list, and every listed column and
    /// table is read by one of them: the list is exactly what the statements read.
    #[test]
    fn the_list_is_exactly_what_the_statements_read() {
        let mut read = BTreeSet::new();
        let mut tables = BTreeSet::new();
        for sql in [SAMPLING_SQL, GLUCOSE_SQL] {
            for w in words(sql) {
                if looks_like_column(&w) {
                    read.insert(w);
                }
            }
            for (_, t) in table_aliases(sql) {
                tables.insert(t.name);
            }
        }
        let listed: BTreeSet<String> = listed_columns().into_iter().map(String::from).collect();
        assert_eq!(
            read, listed,
            "columns of the statements vs lab::schema::TABLES"
        );
        let all: BTreeSet<&str> = TABLES.iter().map(|t| t.name).collect();
        assert_eq!(
            tables, all,
            "tables of the statements vs lab::schema::TABLES"
        );
        for t in TABLES {
            for c in t.indexed {
                assert!(
                    t.columns.iter().any(|(name, _)| name == c),
                    "{}.{c}",
                    t.name
                );
            }
        }
    }

    /// db/schema.sql (local runs and tests) has every listed column, of a type that fits, and
    /// an index led by every column that needs one.
    #[test]
    fn db_schema_sql_has_every_listed_column_with_a_fitting_type_and_index() {
        let text = include_str!("../../../db/schema.sql");
        for t in TABLES {
            let start = text
                .find(&format!("CREATE TABLE IF NOT EXISTS {} (", t.name))
                .unwrap_or_else(|| panic!("db/schema.sql: no table {}", t.name));
            let body = &text[start..start + text[start..].find(") ENGINE").unwrap()];
            for (column, kind) in t.columns {
                let line = body
                    .lines()
                    .find(|l| l.split_whitespace().next() == Some(column))
                    .unwrap_or_else(|| panic!("db/schema.sql: no column {}.{column}", t.name));
                let ty = line.split_whitespace().nth(1).unwrap();
                let ty = ty.split(['(', ',']).next().unwrap().to_ascii_lowercase();
                assert_eq!(kind.fit(&ty), TypeFit::Fits, "{}.{column} {ty}", t.name);
            }
            for column in t.indexed {
                let led = body.lines().any(|l| {
                    let l = l.trim();
                    (l.starts_with("PRIMARY KEY (") || l.starts_with("KEY "))
                        && l.split('(').nth(1).is_some_and(|cols| {
                            cols.trim_end_matches([')', ',']).split(',').next() == Some(column)
                        })
                });
                assert!(led, "db/schema.sql: no index led by {}.{column}", t.name);
            }
        }
    }

    /// The DBA's least-privilege user (docs/DEPLOY.md) reads exactly these tables.
    #[test]
    fn the_grants_for_the_dba_name_exactly_the_tables_read() {
        let doc = include_str!("../../../docs/DEPLOY.md");
        let granted: BTreeSet<&str> = doc
            .lines()
            .filter_map(|l| l.strip_prefix("GRANT SELECT ON cpone."))
            .filter_map(|rest| rest.split_whitespace().next())
            .collect();
        let all: BTreeSet<&str> = TABLES.iter().map(|t| t.name).collect();
        assert_eq!(granted, all, "docs/DEPLOY.md, \"The database user\"");
    }

    #[test]
    fn aliases_map_to_their_tables() {
        let aliases = table_aliases(SAMPLING_SQL);
        let find = |a: &str| aliases.iter().find(|(x, _)| x == a).map(|(_, t)| t.name);
        assert_eq!(find("os"), Some("t_ordersample"));
        assert_eq!(find("oh"), Some("t_orderheader"));
        assert_eq!(find("t_orderheader"), Some("t_orderheader"));
        let aliases = table_aliases(GLUCOSE_SQL);
        assert!(
            aliases
                .iter()
                .any(|(a, t)| a == "latest" && t.name == "order_glucose")
        );
    }

    #[test]
    fn types_fit_their_kind() {
        assert_eq!(Kind::Id.fit("INT"), TypeFit::Fits);
        assert!(matches!(Kind::Id.fit("varchar"), TypeFit::Doubtful(_)));
        assert!(matches!(Kind::Date.fit("datetime"), TypeFit::Wrong(_)));
        assert!(matches!(Kind::Text.fit("double"), TypeFit::Wrong(_)));
        assert!(matches!(Kind::Flag.fit("tinyint"), TypeFit::Wrong(_)));
        assert_eq!(Kind::Time.fit("time"), TypeFit::Fits);
    }
}
