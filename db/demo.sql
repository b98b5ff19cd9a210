-- Demo data set for the CPONE lab subset (db/schema.sql), for local runs and tests.
--
-- Apply after db/schema.sql to an EMPTY database (explicit IDs; no USE statement: the file is
-- applied to whatever database the connection selected). All dates are 2026-06-11, local time.
-- The expected answers of /sampling_timestamp and /glucose for every lab number below are in
-- db/expected.md (verified by running shared/src/lab/*.sql against this data).
--
-- Orders (lab number -> purpose; details at each order's rows below):
--   R2606110001  the /sampling_timestamp example of docs/openapi.yaml: one Ureum serum tube.
--   R2606110002  the /glucose example of docs/openapi.yaml: Glukosa Darah 2 Jam PP typed in twice
--                ("102", then corrected to "120"): the latest entry wins.
--   R2606110003  medical check-up: Hematologi Lengkap panel (panel row + children) rolled up,
--                serum tests with and without an active LIS mapping, an inactive test master,
--                a cancelled (inactive) order detail, an inactive replaced tube, a tube with
--                no active ordered test, urine tube checked in but not out, Thorax PA done,
--                EKG in process (plus an inactive duplicate EKG row), an inactive and an active
--                order_location for the same station, no order_location for the urine station;
--                glucose: GDP on the order, and a 2 Jam PP entry whose test is NOT on the order.
--   R2606110004  Profil Diabetes panel split over two tubes (EDTA + NaF), the panel row having
--                no sample type; Glukosa Darah Puasa also ordered standalone, so two ordered
--                tests share national test 250 (glucose must not duplicate the row); a glucose
--                entry for a test neither ordered nor mapped.
--   R2606110005  panel children ordered WITHOUT the panel row (rolled up to Hematologi
--                Lengkap); a child whose panel is inactive and a child whose panel does not
--                exist (both reported as themselves); a reset serum tube (flag X, all NULL);
--                a tube whose material (t_bahan) is inactive (station and location NULL).
--   R2606110006  non-lab order: Thorax PA and EKG done, USG Abdomen not started (flag N),
--                plus a swab at a station whose T_SampleStationIsNonLab is NULL.
--   R2606110007  cancelled order (header inactive) with tubes and glucose: "not found".
--   R2606110008  order with tests but no sampling and no glucose yet: empty data.
--   R2606110009  lab number registered twice: header 9 cancelled (inactive, with a tube and a
--                glucose entry that must NOT show), header 10 active; its room's m_location
--                row is inactive, so location_name is NULL.
--   R2606110010  legacy rows with zero dates (0000-00-00, a zero month or day): "not done",
--                null in the answers, like NULL (section "Legacy rows" at the end).
--   (not a lab number here, e.g. R2606119999: "not found".)
--
-- Users: 123, 125, 126, 150 phlebotomists/nurses at sampling, 124 lab reception,
-- 131 radiographer, 140 and 141 ECG nurses.

-- ---------------------------------------------------------------------------------------------
-- Master data
-- ---------------------------------------------------------------------------------------------

-- Stations, covering every T_SampleStationIsNonLab form: '' / 'N' / NULL = lab, and non-lab.
INSERT INTO t_samplestation
  (T_SampleStationID, T_SampleStationCode, T_SampleStationName, T_SampleStationIsNonLab, T_SampleStationIsActive)
VALUES
  (1, 'SSPHL', 'Sample Station Phlebotomy',   '',                'Y'),
  (2, 'SSURN', 'Sample Station Urin',         'N',               'Y'),
  (3, 'SSMIK', 'Sample Station Mikrobiologi', NULL,              'Y'),
  (4, 'SSRAD', 'Radiodiagnostik',             'RADIODIAGNOSTIC', 'Y'),
  (5, 'SSEM',  'Elektromedis',                'ELEKTROMEDIS',    'Y');

-- Materials -> station. 'Cairan Tubuh' is inactive (lookup gives NULL station).
INSERT INTO t_bahan (T_BahanID, T_BahanName, T_BahanT_SampleStationID, T_BahanIsActive)
VALUES
  (1, 'Darah',        1, 'Y'),
  (2, 'Urin',         2, 'Y'),
  (3, 'Swab',         3, 'Y'),
  (4, 'Radiologi',    4, 'Y'),
  (5, 'Elektromedis', 5, 'Y'),
  (6, 'Cairan Tubuh', 1, 'N');

-- Sample types (tubes; the non-lab pseudo types lead to the radiology / ECG stations).
INSERT INTO t_sampletype (T_SampleTypeID, T_SampleTypeName, T_SampleTypeT_BahanID, T_SampleTypeIsActive)
VALUES
  (1, 'Serum (Tabung Merah)',           1, 'Y'),
  (2, 'Whole Blood EDTA (Tabung Ungu)', 1, 'Y'),
  (3, 'Plasma NaF (Tabung Abu-abu)',    1, 'Y'),
  (4, 'Plasma Citrat (Tabung Biru)',    1, 'Y'),
  (5, 'Urin Sewaktu',                   2, 'Y'),
  (6, 'Swab Nasofaring',                3, 'Y'),
  (7, 'Radiologi',                      4, 'Y'),
  (8, 'Elektromedis',                   5, 'Y'),
  (9, 'Cairan Pleura',                  6, 'Y');

-- Rooms. 'R. SAMPLING LAMA' is inactive (closed room).
INSERT INTO m_location (M_LocationID, M_LocationName, M_LocationT_SampleStationID, M_LocationIsActive)
VALUES
  (1, 'R. SAMPLING',      1, 'Y'),
  (2, 'R. SAMPLING 2',    1, 'Y'),
  (3, 'R. SAMPLING LAMA', 1, 'N'),
  (4, 'R. SWAB',          3, 'Y'),
  (5, 'R. RONTGEN 1',     4, 'Y'),
  (6, 'R. EKG',           5, 'Y');

-- Tests. T_TestSasCode is hierarchical and 10 characters long: cpone_test_code is its first 8
-- (a panel child's code starts with its panel's code). T_TestParentT_TestID: 0 or NULL = not a
-- child. T_TestIsNonLab: '' / NULL / 'N' = lab test.
INSERT INTO t_test
  (T_TestID, T_TestCode, T_TestName, T_TestSasCode, T_TestNat_TestID, T_TestT_SampleTypeID,
   T_TestParentT_TestID, T_TestIsResult, T_TestIsNonLab, T_TestIsActive)
VALUES
  -- Kimia klinik (serum / NaF)
  ( 1, 'UREUM',    'Ureum',                   '1053010001', 112,    1,    0, 'Y', '',   'Y'),
  ( 2, 'KREA',     'Kreatinin',               '1053010101', 113,    1,    0, 'Y', NULL, 'Y'),  -- LIS mapping inactive
  ( 3, 'SGOT',     'SGOT',                    '1054010001', 121,    1,    0, 'Y', '',   'Y'),
  ( 4, 'SGPT',     'SGPT',                    '1054010101', 122,    1, NULL, 'Y', '',   'Y'),  -- NULL parent = 0
  ( 5, 'GDP',      'Glukosa Darah Puasa',     '1053020101', 250,    3,    0, 'Y', '',   'Y'),
  ( 6, 'G2PP',     'Glukosa Darah 2 Jam PP',  '1053020001', 251,    3,    0, 'Y', 'N',  'Y'),
  ( 7, 'ASURAT',   'Asam Urat',               '1053040001', 115,    1,    0, 'Y', '',   'N'),  -- inactive test master
  ( 8, 'PT',       'PT (Protrombin Time)',    '1021010001', 310,    4,    0, 'Y', '',   'Y'),
  ( 9, 'GDS',      'Glukosa Darah Sewaktu',   '1053020201', 252,    3,    0, 'Y', '',   'Y'),  -- no LIS mapping
  -- Hematologi Lengkap panel (EDTA): panel row 10, children 11-14
  (10, 'HEMLENG',  'Hematologi Lengkap',      '1020010000', 300,    2,    0, 'N', '',   'Y'),
  (11, 'HB',       'Hemoglobin',              '1020010001', 301,    2,   10, 'Y', '',   'Y'),
  (12, 'LEUKO',    'Leukosit',                '1020010002', 302,    2,   10, 'Y', '',   'Y'),
  (13, 'TROMBO',   'Trombosit',               '1020010003', 303,    2,   10, 'Y', '',   'Y'),
  (14, 'HT',       'Hematokrit',              '1020010004', 304,    2,   10, 'Y', '',   'Y'),
  -- Profil Diabetes panel split over two tubes: the panel row has no sample type,
  -- GDP child on NaF (same national test 250 as test 5), HbA1c child on EDTA
  (20, 'PRODM',    'Profil Diabetes',         '1053030000', 400, NULL,    0, 'N', '',   'Y'),  -- no LIS mapping
  (21, 'GDP-PD',   'Glukosa Darah Puasa',     '1053030001', 250,    3,   20, 'Y', '',   'Y'),
  (22, 'HBA1C',    'HbA1c',                   '1053030002', 402,    2,   20, 'Y', '',   'Y'),
  -- an inactive (retired) panel and its still active child; a child whose panel does not exist
  (30, 'FHATI',    'Fungsi Hati (lama)',      '1054020000', 500,    1,    0, 'N', '',   'N'),
  (31, 'BILT',     'Bilirubin Total',         '1054020001', 501,    1,   30, 'Y', '',   'Y'),
  (32, 'ALB',      'Albumin',                 '1054030001', 510,    1,  999, 'Y', '',   'Y'),
  -- other lab stations
  (40, 'UL',       'Urin Lengkap',            '1070010001', 600,    5,    0, 'Y', 'N',  'Y'),
  (41, 'SWABAG',   'Swab Antigen SARS-CoV-2', '1080010001', 700,    6,    0, 'Y', NULL, 'Y'),
  (42, 'CPLEURA',  'Analisa Cairan Pleura',   '1090010001', 610,    9,    0, 'Y', '',   'Y'),
  -- non-lab tests
  (50, 'THORAXPA', 'Thorax PA',               '2010010001', 900,    7,    0, 'Y', 'RADIODIAGNOSTIC', 'Y'),  -- no LIS mapping
  (51, 'USGABD',   'USG Abdomen',             '2020010001', 910,    7,    0, 'Y', 'RADIODIAGNOSTIC', 'Y'),  -- no LIS mapping
  (52, 'EKG',      'EKG',                     '3010010001', 950,    8,    0, 'Y', 'ELEKTROMEDIS',    'Y');

-- LIS codes of national tests. Inactive rows: 113 (Kreatinin: only an inactive mapping, so
-- lis_test_code is NULL) and an old wrong mapping of 251 beside its active one.
-- Unmapped: 252, 400, 900, 910.
INSERT INTO nat_testmap (Nat_TestMapID, Nat_TestMapNat_TestID, Nat_TestMapCode, Nat_TestMapIsActive)
VALUES
  ( 1, 112, '00000112', 'Y'),
  ( 2, 113, '00000113', 'N'),
  ( 3, 121, '00000121', 'Y'),
  ( 4, 122, '00000122', 'Y'),
  ( 5, 250, '00000250', 'Y'),
  ( 6, 251, '00000250', 'N'),
  ( 7, 251, '00000251', 'Y'),
  ( 8, 115, '00000115', 'Y'),
  ( 9, 310, '00000310', 'Y'),
  (10, 300, '00000300', 'Y'),
  (11, 301, '00000301', 'Y'),
  (12, 302, '00000302', 'Y'),
  (13, 303, '00000303', 'Y'),
  (14, 304, '00000304', 'Y'),
  (15, 402, '00000402', 'Y'),
  (16, 501, '00000501', 'Y'),
  (17, 510, '00000510', 'Y'),
  (18, 600, '00000600', 'Y'),
  (19, 700, '00000700', 'Y'),
  (20, 610, '00000610', 'Y'),
  (21, 950, '00000950', 'Y');

-- ---------------------------------------------------------------------------------------------
-- Orders
-- ---------------------------------------------------------------------------------------------

INSERT INTO t_orderheader (T_OrderHeaderID, T_OrderHeaderLabNumber, T_OrderHeaderDate, T_OrderHeaderIsActive)
VALUES
  ( 1, 'R2606110001', '2026-06-11 08:30:12', 'Y'),  -- the documented sampling example
  ( 2, 'R2606110002', '2026-06-11 08:05:40', 'Y'),  -- the documented glucose example
  ( 3, 'R2606110003', '2026-06-11 07:45:00', 'Y'),  -- medical check-up
  ( 4, 'R2606110004', '2026-06-11 09:02:00', 'Y'),  -- panel split over two tubes
  ( 5, 'R2606110005', '2026-06-11 09:30:00', 'Y'),  -- panel children without panel row, reset tube
  ( 6, 'R2606110006', '2026-06-11 10:00:00', 'Y'),  -- non-lab order + swab
  ( 7, 'R2606110007', '2026-06-11 10:30:00', 'N'),  -- cancelled order
  ( 8, 'R2606110008', '2026-06-11 11:00:00', 'Y'),  -- no sampling yet
  ( 9, 'R2606110009', '2026-06-11 11:02:00', 'N'),  -- registered by mistake, cancelled ...
  (10, 'R2606110009', '2026-06-11 11:10:00', 'Y');  -- ... and registered again under the same number

INSERT INTO t_orderdetail (T_OrderDetailID, T_OrderDetailT_OrderHeaderID, T_OrderDetailT_TestID, T_OrderDetailIsActive)
VALUES
  -- R2606110001: Ureum
  ( 1,  1,  1, 'Y'),
  -- R2606110002: Glukosa Darah 2 Jam PP
  ( 2,  2,  6, 'Y'),
  -- R2606110003: Hematologi Lengkap (panel row + 4 children), Ureum, Kreatinin,
  -- SGOT (cancelled: inactive), GDP, Asam Urat (test master inactive), PT (cancelled: inactive),
  -- Urin Lengkap, Thorax PA, EKG
  ( 3,  3, 10, 'Y'),
  ( 4,  3, 11, 'Y'),
  ( 5,  3, 12, 'Y'),
  ( 6,  3, 13, 'Y'),
  ( 7,  3, 14, 'Y'),
  ( 8,  3,  1, 'Y'),
  ( 9,  3,  2, 'Y'),
  (10,  3,  3, 'N'),
  (11,  3,  5, 'Y'),
  (12,  3,  7, 'Y'),
  (13,  3,  8, 'N'),
  (14,  3, 40, 'Y'),
  (15,  3, 50, 'Y'),
  (16,  3, 52, 'Y'),
  -- R2606110004: GDP standalone (ordered first), Profil Diabetes panel row, its GDP child
  -- (same national test 250) and its HbA1c child
  (17,  4,  5, 'Y'),
  (18,  4, 20, 'Y'),
  (19,  4, 21, 'Y'),
  (20,  4, 22, 'Y'),
  -- R2606110005: Hemoglobin, Leukosit, Trombosit without the Hematologi Lengkap row;
  -- Bilirubin Total (panel inactive), Albumin (panel missing), Analisa Cairan Pleura
  (21,  5, 11, 'Y'),
  (22,  5, 12, 'Y'),
  (23,  5, 13, 'Y'),
  (24,  5, 31, 'Y'),
  (25,  5, 32, 'Y'),
  (26,  5, 42, 'Y'),
  -- R2606110006: Thorax PA, USG Abdomen, EKG, Swab Antigen
  (27,  6, 50, 'Y'),
  (28,  6, 51, 'Y'),
  (29,  6, 52, 'Y'),
  (30,  6, 41, 'Y'),
  -- R2606110007 (cancelled header): Ureum, GDP
  (31,  7,  1, 'Y'),
  (32,  7,  5, 'Y'),
  -- R2606110008: Ureum, GDP, Thorax PA (nothing sampled yet)
  (33,  8,  1, 'Y'),
  (34,  8,  5, 'Y'),
  (35,  8, 50, 'Y'),
  -- R2606110009, header 9 (cancelled): Ureum, GDP
  (36,  9,  1, 'Y'),
  (37,  9,  5, 'Y'),
  -- R2606110009, header 10 (active): Ureum
  (38, 10,  1, 'Y');

-- Lab sampling, one row per tube. Check-in = Sampling*, check-out = Receive*.
INSERT INTO t_ordersample
  (T_OrderSampleID, T_OrderSampleT_OrderHeaderID, T_OrderSampleT_SampleTypeID,
   T_OrderSampleSampling, T_OrderSampleSamplingDate, T_OrderSampleSamplingTime, T_OrderSampleSamplingUserID,
   T_OrderSampleReceive, T_OrderSampleReceiveDate, T_OrderSampleReceiveTime, T_OrderSampleReceiveUserID,
   T_OrderSampleIsActive)
VALUES
  -- R2606110001: serum tube, exactly the documented example
  ( 1,  1, 1, 'Y', '2026-06-11', '08:34:26', 123, 'Y', '2026-06-11', '08:40:00', 123, 'Y'),
  -- R2606110002: NaF tube for 2 Jam PP
  ( 2,  2, 3, 'Y', '2026-06-11', '10:30:05', 123, 'Y', '2026-06-11', '10:41:17', 124, 'Y'),
  -- R2606110003: EDTA; serum first label (replaced: inactive); serum; NaF;
  -- citrate (its only test PT was cancelled: no row); urine checked in, not yet received
  ( 3,  3, 2, 'Y', '2026-06-11', '07:52:10', 123, 'Y', '2026-06-11', '08:05:30', 124, 'Y'),
  ( 4,  3, 1, 'Y', '2026-06-11', '07:51:00', 123, 'N', NULL,         NULL,       NULL, 'N'),
  ( 5,  3, 1, 'Y', '2026-06-11', '07:53:45', 123, 'Y', '2026-06-11', '08:05:30', 124, 'Y'),
  ( 6,  3, 3, 'Y', '2026-06-11', '07:54:20', 123, 'Y', '2026-06-11', '08:05:31', 124, 'Y'),
  ( 7,  3, 4, 'Y', '2026-06-11', '07:55:02', 123, 'Y', '2026-06-11', '08:05:32', 124, 'Y'),
  ( 8,  3, 5, 'Y', '2026-06-11', '08:10:00', 125, 'N', NULL,         NULL,       NULL, 'Y'),
  -- R2606110004: EDTA (HbA1c) and NaF (GDP twice: standalone and panel child)
  ( 9,  4, 2, 'Y', '2026-06-11', '09:10:12', 126, 'Y', '2026-06-11', '09:20:00', 124, 'Y'),
  (10,  4, 3, 'Y', '2026-06-11', '09:11:30', 126, 'Y', '2026-06-11', '09:20:00', 124, 'Y'),
  -- R2606110005: EDTA; serum tube reset (flag X, date/time/user back to NULL);
  -- pleural fluid (material inactive) checked in, not received
  (11,  5, 2, 'Y', '2026-06-11', '09:41:09', 123, 'Y', '2026-06-11', '09:55:00', 124, 'Y'),
  (12,  5, 1, 'X', NULL,         NULL,       NULL, 'N', NULL,         NULL,       NULL, 'Y'),
  (13,  5, 9, 'Y', '2026-06-11', '09:45:00', 123, 'N', NULL,         NULL,       NULL, 'Y'),
  -- R2606110006: swab
  (14,  6, 6, 'Y', '2026-06-11', '10:05:44', 150, 'Y', '2026-06-11', '10:06:30', 150, 'Y'),
  -- R2606110007 (cancelled header): serum tube, must not show
  (15,  7, 1, 'Y', '2026-06-11', '10:40:00', 123, 'Y', '2026-06-11', '10:50:00', 124, 'Y'),
  -- R2606110009, header 9 (cancelled): must not show
  (16,  9, 1, 'Y', '2026-06-11', '11:05:00', 123, 'N', NULL,         NULL,       NULL, 'Y'),
  -- R2606110009, header 10 (active): serum tube checked in, not yet received
  (17, 10, 1, 'Y', '2026-06-11', '11:20:00', 123, 'N', NULL,         NULL,       NULL, 'Y');

-- Non-lab sampling, one row per order x test. Check-in = Process*, check-out = Done*.
INSERT INTO t_samplingso
  (T_SamplingSoID, T_SamplingSoT_OrderHeaderID, T_SamplingSoT_TestID, T_SamplingSoT_SampleStationID,
   T_SamplingSoFlag, T_SamplingSoProcessDate, T_SamplingSoProcessTime, T_SamplingSoProcessUserID,
   T_SamplingSoDoneDate, T_SamplingSoDoneTime, T_SamplingSoDoneUserID, T_SamplingSoIsActive)
VALUES
  -- R2606110003: Thorax PA done; EKG created twice (first row inactive), in process
  (1, 3, 50, 4, 'D', '2026-06-11', '08:20:15', 131, '2026-06-11', '08:26:40', 131, 'Y'),
  (2, 3, 52, 5, 'N', NULL,         NULL,       NULL, NULL,        NULL,       NULL, 'N'),
  (3, 3, 52, 5, 'P', '2026-06-11', '08:31:05', 140, NULL,         NULL,       NULL, 'Y'),
  -- R2606110006: Thorax PA done, USG Abdomen not started, EKG done
  (4, 6, 50, 4, 'D', '2026-06-11', '10:12:00', 131, '2026-06-11', '10:15:30', 131, 'Y'),
  (5, 6, 51, 4, 'N', NULL,         NULL,       NULL, NULL,        NULL,       NULL, 'Y'),
  (6, 6, 52, 5, 'D', '2026-06-11', '10:20:00', 140, '2026-06-11', '10:31:10', 141, 'Y');

-- Rooms an order was served in, per station.
INSERT INTO t_order_location
  (T_OrderLocationID, T_OrderLocationT_OrderHeaderID, T_OrderLocationT_SampleStationID,
   T_OrderLocationM_LocationID, T_OrderLocationIsActive)
VALUES
  ( 1,  1, 1, 1, 'Y'),  -- R2606110001 phlebotomy: R. SAMPLING
  ( 2,  2, 1, 2, 'Y'),  -- R2606110002 phlebotomy: R. SAMPLING 2
  ( 3,  3, 1, 2, 'N'),  -- R2606110003 phlebotomy: first R. SAMPLING 2 (moved: inactive) ...
  ( 4,  3, 1, 1, 'Y'),  -- ... then R. SAMPLING
  ( 5,  3, 4, 5, 'Y'),  -- R2606110003 radiology: R. RONTGEN 1
  ( 6,  3, 5, 6, 'Y'),  -- R2606110003 ECG: R. EKG (urine station: no row -> NULL)
  ( 7,  4, 1, 1, 'Y'),  -- R2606110004 phlebotomy: R. SAMPLING
  ( 8,  5, 1, 1, 'Y'),  -- R2606110005 phlebotomy: R. SAMPLING
  ( 9,  6, 3, 4, 'Y'),  -- R2606110006 swab: R. SWAB
  (10,  6, 4, 5, 'Y'),  -- R2606110006 radiology: R. RONTGEN 1
  (11,  6, 5, 6, 'Y'),  -- R2606110006 ECG: R. EKG
  (12,  7, 1, 1, 'Y'),  -- R2606110007 (cancelled header)
  (13,  9, 1, 1, 'Y'),  -- R2606110009 header 9 (cancelled header)
  (14, 10, 1, 3, 'Y');  -- R2606110009 header 10: room R. SAMPLING LAMA, whose m_location is inactive

-- Glucose entries typed in at sampling (a new row per entry; the highest ID per order x
-- national test is the current result).
INSERT INTO order_glucose
  (OrderGlucoseID, OrderGlucoseT_OrderHeaderID, OrderGlucoseNat_TestID, OrderGlucoseResult,
   OrderGlucoseCreated, OrderGlucoseCreatedUserID)
VALUES
  (1,  2, 251, '102', '2026-06-11 10:31:40', 123),  -- R2606110002 2 Jam PP, typo ...
  (2,  2, 251, '120', '2026-06-11 10:33:02', 123),  -- ... corrected: this one wins
  (3,  3, 250, '95',  '2026-06-11 07:56:10', 123),  -- R2606110003 GDP (on the order)
  (4,  3, 251, '140', '2026-06-11 07:56:30', 123),  -- R2606110003 2 Jam PP: test NOT on the order
  (5,  4, 250, '98',  '2026-06-11 09:12:00', 126),  -- R2606110004 GDP (two ordered tests have nat 250)
  (6,  4, 252, '110', '2026-06-11 09:12:30', 126),  -- R2606110004 Glukosa Sewaktu: not ordered, no LIS mapping
  (7,  7, 250, '90',  '2026-06-11 10:41:00', 123),  -- R2606110007 (cancelled header): must not show
  (8,  9, 250, '88',  '2026-06-11 11:06:00', 123);  -- R2606110009 header 9 (cancelled): must not show

-- ---------------------------------------------------------------------------------------------
-- Legacy rows: R2606110010, written years ago by the PHP application under a lax sql_mode that
-- accepted zero dates ('0000-00-00', and dates with a zero month or day), as old CPONE rows
-- hold them. MySQL 8's default sql_mode (NO_ZERO_DATE, NO_ZERO_IN_DATE, strict) refuses to
-- insert them but reads them; so does this file, which inserts them under an empty sql_mode
-- for this session only. A zero date means "not done", exactly like NULL (rule in
-- shared/src/lab/sampling_timestamp.sql); the answers are in db/expected.md.
-- ---------------------------------------------------------------------------------------------
SET @wynacom_sql_mode = @@SESSION.sql_mode;
SET SESSION sql_mode = '';

INSERT INTO t_orderheader (T_OrderHeaderID, T_OrderHeaderLabNumber, T_OrderHeaderDate, T_OrderHeaderIsActive)
VALUES (11, 'R2606110010', '2026-06-11 11:30:00', 'Y');

-- Ureum (serum), GDP (NaF), Thorax PA, EKG
INSERT INTO t_orderdetail (T_OrderDetailID, T_OrderDetailT_OrderHeaderID, T_OrderDetailT_TestID, T_OrderDetailIsActive)
VALUES (39, 11, 1, 'Y'), (40, 11, 5, 'Y'), (41, 11, 50, 'Y'), (42, 11, 52, 'Y');

INSERT INTO t_ordersample
  (T_OrderSampleID, T_OrderSampleT_OrderHeaderID, T_OrderSampleT_SampleTypeID,
   T_OrderSampleSampling, T_OrderSampleSamplingDate, T_OrderSampleSamplingTime, T_OrderSampleSamplingUserID,
   T_OrderSampleReceive, T_OrderSampleReceiveDate, T_OrderSampleReceiveTime, T_OrderSampleReceiveUserID,
   T_OrderSampleIsActive)
VALUES
  -- serum: neither step done, both dates zero (time zero too)
  (18, 11, 1, 'N', '0000-00-00', '00:00:00', 0,   'N', '0000-00-00', '00:00:00', 0,    'Y'),
  -- NaF: checked in (at midnight: a real time), received date with a zero day
  (19, 11, 3, 'Y', '2026-06-11', '00:00:00', 126, 'N', '2026-06-00', '11:40:00', NULL, 'Y');

INSERT INTO t_samplingso
  (T_SamplingSoID, T_SamplingSoT_OrderHeaderID, T_SamplingSoT_TestID, T_SamplingSoT_SampleStationID,
   T_SamplingSoFlag, T_SamplingSoProcessDate, T_SamplingSoProcessTime, T_SamplingSoProcessUserID,
   T_SamplingSoDoneDate, T_SamplingSoDoneTime, T_SamplingSoDoneUserID, T_SamplingSoIsActive)
VALUES
  -- Thorax PA in process: done date zero
  (7, 11, 50, 4, 'P', '2026-06-11', '11:45:00', 131, '0000-00-00', '00:00:00', NULL, 'Y'),
  -- EKG not started: process date with a zero month, done date zero
  (8, 11, 52, 5, 'N', '2026-00-11', '00:00:00', NULL, '0000-00-00', NULL,       NULL, 'Y');

-- GDP typed in; its creation stamp is a zero datetime (not read by the statements).
INSERT INTO order_glucose
  (OrderGlucoseID, OrderGlucoseT_OrderHeaderID, OrderGlucoseNat_TestID, OrderGlucoseResult,
   OrderGlucoseCreated, OrderGlucoseCreatedUserID)
VALUES (9, 11, 250, '101', '0000-00-00 00:00:00', 126);

SET SESSION sql_mode = @wynacom_sql_mode;
