-- CPONE lab database: the subset of tables and columns the Wynacom API reads.
--
-- Source of truth: docs/contract.md ("Lab data"). Table and column names, and column types, are the
-- real CPONE ones, so the queries in shared/src/lab/*.sql run unchanged against production
-- (RDS MySQL 8). This file is only for local runs and tests (MariaDB 10.11 / MySQL 8); production
-- tables have many more columns and their own indexes.
--
-- Applied to whatever database the connection selected (no USE / CREATE DATABASE here).
-- Re-runnable: every statement is CREATE TABLE IF NOT EXISTS.
--
-- House conventions (see docs/contract.md, "CPONE conventions"):
--   * soft delete: <Prefix>IsActive CHAR(1), 'Y' = live;
--   * nothing is NOT NULL except the primary keys; a NULL flag or NULL parent id means "no";
--   * workflow steps are a DATE column plus a TIME column, not a DATETIME.
--
-- Indexes: exactly the ones the Wynacom queries rely on (docs/contract.md, "Indexes"), named
-- idx_<column>. Every lookup of the queries starts from the lab number and then
-- reads the order's rows through these indexes (and master tables through their primary keys),
-- so its cost does not grow with the number of orders in the database.
--
-- Character set utf8mb4 with the collation utf8mb4_unicode_ci, which exists on both MySQL 8 and
-- MariaDB 10.11, so local sorting and comparisons behave the same on both engines.

-- One row per lab order; the lab number (e.g. R2606110001) is what Wynacom sends.
CREATE TABLE IF NOT EXISTS t_orderheader (
  T_OrderHeaderID         INT NOT NULL AUTO_INCREMENT,
  T_OrderHeaderLabNumber  VARCHAR(30),
  T_OrderHeaderDate       DATETIME,
  T_OrderHeaderIsActive   CHAR(1),
  PRIMARY KEY (T_OrderHeaderID),
  KEY idx_T_OrderHeaderLabNumber (T_OrderHeaderLabNumber)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The ordered tests of an order; a panel order holds the panel row and its child rows.
CREATE TABLE IF NOT EXISTS t_orderdetail (
  T_OrderDetailID               INT NOT NULL AUTO_INCREMENT,
  T_OrderDetailT_OrderHeaderID  INT,
  T_OrderDetailT_TestID         INT,
  T_OrderDetailIsActive         CHAR(1),
  PRIMARY KEY (T_OrderDetailID),
  KEY idx_T_OrderDetailT_OrderHeaderID (T_OrderDetailT_OrderHeaderID)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Test master. T_TestSasCode is hierarchical (a child's code starts with its parent's);
-- T_TestParentT_TestID <> 0 marks a panel child (NULL = 0 = not a child);
-- T_TestIsNonLab NULL / '' / 'N' = lab test, anything else (e.g. RADIODIAGNOSTIC) = non-lab.
CREATE TABLE IF NOT EXISTS t_test (
  T_TestID              INT NOT NULL AUTO_INCREMENT,
  T_TestCode            VARCHAR(30),
  T_TestName            VARCHAR(150),
  T_TestSasCode         VARCHAR(30),
  T_TestNat_TestID      INT,
  T_TestT_SampleTypeID  INT,
  T_TestParentT_TestID  INT,
  T_TestIsResult        CHAR(1),
  T_TestIsNonLab        VARCHAR(15),
  T_TestIsActive        CHAR(1),
  PRIMARY KEY (T_TestID)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- LIS code of a national test (joined on Nat_TestMapNat_TestID = T_TestNat_TestID, active only).
CREATE TABLE IF NOT EXISTS nat_testmap (
  Nat_TestMapID          INT NOT NULL AUTO_INCREMENT,
  Nat_TestMapNat_TestID  INT,
  Nat_TestMapCode        VARCHAR(30),
  Nat_TestMapIsActive    CHAR(1),
  PRIMARY KEY (Nat_TestMapID),
  KEY idx_Nat_TestMapNat_TestID (Nat_TestMapNat_TestID)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Specimen type (tube).
CREATE TABLE IF NOT EXISTS t_sampletype (
  T_SampleTypeID        INT NOT NULL AUTO_INCREMENT,
  T_SampleTypeName      VARCHAR(100),
  T_SampleTypeT_BahanID INT,
  T_SampleTypeIsActive  CHAR(1),
  PRIMARY KEY (T_SampleTypeID)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Material; points at its sample station.
CREATE TABLE IF NOT EXISTS t_bahan (
  T_BahanID                 INT NOT NULL AUTO_INCREMENT,
  T_BahanName               VARCHAR(100),
  T_BahanT_SampleStationID  INT,
  T_BahanIsActive           CHAR(1),
  PRIMARY KEY (T_BahanID)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Sample station. T_SampleStationIsNonLab: '', 'N' or NULL = lab;
-- RADIODIAGNOSTIC, ELEKTROMEDIS, OTHERS = non-lab.
CREATE TABLE IF NOT EXISTS t_samplestation (
  T_SampleStationID        INT NOT NULL AUTO_INCREMENT,
  T_SampleStationCode      VARCHAR(25),
  T_SampleStationName      VARCHAR(50),
  T_SampleStationIsNonLab  VARCHAR(15),
  T_SampleStationIsActive  CHAR(1),
  PRIMARY KEY (T_SampleStationID)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A room, e.g. R. SAMPLING.
CREATE TABLE IF NOT EXISTS m_location (
  M_LocationID                 INT NOT NULL AUTO_INCREMENT,
  M_LocationName               VARCHAR(100),
  M_LocationT_SampleStationID  INT,
  M_LocationIsActive           CHAR(1),
  PRIMARY KEY (M_LocationID)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The room an order was served in at a station.
CREATE TABLE IF NOT EXISTS t_order_location (
  T_OrderLocationID                 INT NOT NULL AUTO_INCREMENT,
  T_OrderLocationT_OrderHeaderID    INT,
  T_OrderLocationT_SampleStationID  INT,
  T_OrderLocationM_LocationID       INT,
  T_OrderLocationIsActive           CHAR(1),
  PRIMARY KEY (T_OrderLocationID),
  KEY idx_T_OrderLocationT_OrderHeaderID (T_OrderLocationT_OrderHeaderID)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- LAB sampling, one row per tube.
-- Check-in = Sampling date/time/user; check-out = Receive date/time/user.
-- Flags: 'N' not yet, 'Y' done, 'P' in process, 'D' done, 'X' reset (date/time/user NULL).
CREATE TABLE IF NOT EXISTS t_ordersample (
  T_OrderSampleID               INT NOT NULL AUTO_INCREMENT,
  T_OrderSampleT_OrderHeaderID  INT,
  T_OrderSampleT_SampleTypeID   INT,
  T_OrderSampleSampling         CHAR(1),
  T_OrderSampleSamplingDate     DATE,
  T_OrderSampleSamplingTime     TIME,
  T_OrderSampleSamplingUserID   INT,
  T_OrderSampleReceive          CHAR(1),
  T_OrderSampleReceiveDate      DATE,
  T_OrderSampleReceiveTime      TIME,
  T_OrderSampleReceiveUserID    INT,
  T_OrderSampleIsActive         CHAR(1),
  PRIMARY KEY (T_OrderSampleID),
  KEY idx_T_OrderSampleT_OrderHeaderID (T_OrderSampleT_OrderHeaderID)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- NON-LAB sampling (radiology, ECG, ...), one row per order x test.
-- Check-in = Process date/time/user; check-out = Done date/time/user.
CREATE TABLE IF NOT EXISTS t_samplingso (
  T_SamplingSoID                 INT NOT NULL AUTO_INCREMENT,
  T_SamplingSoT_OrderHeaderID    INT,
  T_SamplingSoT_TestID           INT,
  T_SamplingSoT_SampleStationID  INT,
  T_SamplingSoFlag               CHAR(1),
  T_SamplingSoProcessDate        DATE,
  T_SamplingSoProcessTime        TIME,
  T_SamplingSoProcessUserID      INT,
  T_SamplingSoDoneDate           DATE,
  T_SamplingSoDoneTime           TIME,
  T_SamplingSoDoneUserID         INT,
  T_SamplingSoIsActive           CHAR(1),
  PRIMARY KEY (T_SamplingSoID),
  KEY idx_T_SamplingSoT_OrderHeaderID (T_SamplingSoT_OrderHeaderID)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Glucose results typed in at sampling. A new row on every entry (no IsActive column): the
-- latest row (highest OrderGlucoseID) per order x national test is the current result.
CREATE TABLE IF NOT EXISTS order_glucose (
  OrderGlucoseID               INT NOT NULL AUTO_INCREMENT,
  OrderGlucoseT_OrderHeaderID  INT,
  OrderGlucoseNat_TestID       INT,
  OrderGlucoseResult           VARCHAR(50),
  OrderGlucoseCreated          DATETIME,
  OrderGlucoseCreatedUserID    INT,
  PRIMARY KEY (OrderGlucoseID),
  KEY idx_OrderGlucoseT_OrderHeaderID (OrderGlucoseT_OrderHeaderID)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
