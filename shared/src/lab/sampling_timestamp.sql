-- Wynacom POST /sampling_timestamp: sampling check-in / check-out of one lab order.
-- Tables, columns and rules: docs/contract.md ("Lab data"); response contract: docs/openapi.yaml.
--
-- PARAMETERS: one named parameter, :lab_number (it appears more than once; mysql_async binds
-- every occurrence to the one value): the lab number (T_OrderHeaderLabNumber) as sent by
-- Wynacom, trimmed. Nothing else is bound, and there is no positional placeholder.
--
-- RESULT: one statement, one round trip. First column row_kind:
--   'order'  : marker row. Exactly one when an ACTIVE t_orderheader has this lab number, none
--              otherwise; all its other columns are NULL. No marker = "Order tidak ditemukan";
--              a marker and no other row = the order exists but has no sampling yet.
--   'nonlab' : one row per active t_samplingso row of the order (radiology, ECG, ...).
--   'lab'    : one row per active t_ordersample (tube) of the order x reported test.
-- The other columns are exactly the JSON keys of the response; every value is a string or NULL.
-- Rows come sorted: marker first, then check-in datetime (NULLs last), station name (NULLs
-- last), test code (NULLs last), then a fixed tie-break, so the output is deterministic.
--
-- PERFORMANCE: every branch starts from t_orderheader by idx_T_OrderHeaderLabNumber and reads
-- the order's own rows by the order-id indexes (t_ordersample, t_orderdetail, t_samplingso,
-- t_order_location) and master rows by primary key (nat_testmap by its national-test index).
-- No table of order-sized data is scanned; the cost does not grow with the number of orders.
--
-- Conventions used below:
--   * every join filters <Prefix>IsActive = 'Y';
--   * lookups (sample type, material, station, order location, room, LIS mapping) are LEFT
--     JOINs, so a missing or inactive lookup row gives NULL instead of dropping the row;
--   * each data branch is GROUPed BY the identity of its output row; MIN() on the other columns
--     only guards against duplicate lookup rows (e.g. two active t_order_location rows for one
--     station, or two active nat_testmap rows for one national test), which would otherwise
--     duplicate the row (MIN then picks the alphabetically first value); with clean data
--     every group has exactly one value per column;
--   * a step's datetime is DATE + TIME (NULL time taken as 00:00:00), formatted
--     YYYY-MM-DD HH:MM:SS, without any time-zone conversion; NULL when the date is NULL or a
--     zero date: '0000-00-00' or any date with a zero year, month or day, which legacy rows
--     written under a lax sql_mode hold for "not done". The rule is explicit (the CASE on
--     YEAR/MONTH/DAYOFMONTH > 0 below), so the answer is null on MySQL 8 and MariaDB alike,
--     under any sql_mode, rather than whatever each engine's TIMESTAMP() makes of a zero date;
--   * user ids are cast to decimal strings (NULL stays NULL).
-- Portable SQL for MySQL 8 (production) and MariaDB 10.11: no LATERAL, no engine-specific
-- syntax; every selected column is a GROUP BY column or an aggregate (ONLY_FULL_GROUP_BY).
-- Verified against db/demo.sql on MariaDB 10.11 (results in db/expected.md).

-- The optimizer hint caps the run time on MySQL 8 at 3000 ms (QUERY_TIMEOUT in
-- shared/src/lab/database.rs; error 3024 when hit). MariaDB 10.11 reads it as a comment.
SELECT /*+ MAX_EXECUTION_TIME(3000) */
  u.row_kind,
  u.sample_station_name,
  u.location_name,
  u.cpone_test_code,
  u.cpone_test_name,
  u.lis_test_code,
  u.sampling_check_in_datetime,
  u.sampling_check_in_userid,
  u.sampling_check_out_datetime,
  u.sampling_check_out_userid
FROM (

  -- -------------------------------------------------------------------------------------------
  -- Marker: one row when an active order header with this lab number exists.
  -- -------------------------------------------------------------------------------------------
  SELECT
    'order' AS row_kind,
    NULL    AS sample_station_name,
    NULL    AS location_name,
    NULL    AS cpone_test_code,
    NULL    AS cpone_test_name,
    NULL    AS lis_test_code,
    NULL    AS sampling_check_in_datetime,
    NULL    AS sampling_check_in_userid,
    NULL    AS sampling_check_out_datetime,
    NULL    AS sampling_check_out_userid,
    NULL    AS sort_source_id,   -- tie-break only, not returned
    NULL    AS sort_test_id      -- tie-break only, not returned
  FROM DUAL
  WHERE EXISTS (
    SELECT 1
    FROM t_orderheader
    WHERE T_OrderHeaderLabNumber = :lab_number
      AND T_OrderHeaderIsActive = 'Y'
  )

  UNION ALL

  -- -------------------------------------------------------------------------------------------
  -- Non-lab sampling (t_samplingso): one row per active row of the order, with its test.
  -- Check-in = Process*, check-out = Done*. No panel roll-up.
  -- The test must be active (like every join); a row whose test is missing/inactive is dropped.
  -- Station through the test's sample type: t_sampletype -> t_bahan -> t_samplestation, as the
  -- contract says (T_SamplingSoT_SampleStationID is not used).
  -- -------------------------------------------------------------------------------------------
  SELECT
    'nonlab'                          AS row_kind,
    MIN(ss.T_SampleStationName)       AS sample_station_name,
    MIN(ml.M_LocationName)            AS location_name,
    MIN(LEFT(t.T_TestSasCode, 8))     AS cpone_test_code,
    MIN(t.T_TestName)                 AS cpone_test_name,
    MIN(ntm.Nat_TestMapCode)          AS lis_test_code,
    DATE_FORMAT(MIN(CASE WHEN YEAR(so.T_SamplingSoProcessDate) > 0
                          AND MONTH(so.T_SamplingSoProcessDate) > 0
                          AND DAYOFMONTH(so.T_SamplingSoProcessDate) > 0
                     THEN TIMESTAMP(so.T_SamplingSoProcessDate,
                                    COALESCE(so.T_SamplingSoProcessTime, '00:00:00')) END),
                '%Y-%m-%d %H:%i:%s')  AS sampling_check_in_datetime,
    MIN(CAST(so.T_SamplingSoProcessUserID AS CHAR)) AS sampling_check_in_userid,
    DATE_FORMAT(MAX(CASE WHEN YEAR(so.T_SamplingSoDoneDate) > 0
                          AND MONTH(so.T_SamplingSoDoneDate) > 0
                          AND DAYOFMONTH(so.T_SamplingSoDoneDate) > 0
                     THEN TIMESTAMP(so.T_SamplingSoDoneDate,
                                    COALESCE(so.T_SamplingSoDoneTime, '00:00:00')) END),
                '%Y-%m-%d %H:%i:%s')  AS sampling_check_out_datetime,
    MIN(CAST(so.T_SamplingSoDoneUserID AS CHAR))    AS sampling_check_out_userid,
    so.T_SamplingSoID                 AS sort_source_id,
    MIN(t.T_TestID)                   AS sort_test_id
  FROM t_orderheader oh
  JOIN t_samplingso so
    ON  so.T_SamplingSoT_OrderHeaderID = oh.T_OrderHeaderID
    AND so.T_SamplingSoIsActive = 'Y'
  JOIN t_test t
    ON  t.T_TestID = so.T_SamplingSoT_TestID
    AND t.T_TestIsActive = 'Y'
  LEFT JOIN t_sampletype st
    ON  st.T_SampleTypeID = t.T_TestT_SampleTypeID
    AND st.T_SampleTypeIsActive = 'Y'
  LEFT JOIN t_bahan b
    ON  b.T_BahanID = st.T_SampleTypeT_BahanID
    AND b.T_BahanIsActive = 'Y'
  LEFT JOIN t_samplestation ss
    ON  ss.T_SampleStationID = b.T_BahanT_SampleStationID
    AND ss.T_SampleStationIsActive = 'Y'
  LEFT JOIN t_order_location ol                  -- the room of this order at this station
    ON  ol.T_OrderLocationT_OrderHeaderID = oh.T_OrderHeaderID
    AND ol.T_OrderLocationT_SampleStationID = ss.T_SampleStationID
    AND ol.T_OrderLocationIsActive = 'Y'
  LEFT JOIN m_location ml
    ON  ml.M_LocationID = ol.T_OrderLocationM_LocationID
    AND ml.M_LocationIsActive = 'Y'
  LEFT JOIN nat_testmap ntm                      -- LIS code of the test's national test
    ON  ntm.Nat_TestMapNat_TestID = t.T_TestNat_TestID
    AND ntm.Nat_TestMapIsActive = 'Y'
  WHERE oh.T_OrderHeaderLabNumber = :lab_number
    AND oh.T_OrderHeaderIsActive = 'Y'
  GROUP BY so.T_SamplingSoID

  UNION ALL

  -- -------------------------------------------------------------------------------------------
  -- Lab sampling (t_ordersample): each active tube of the order x each active ordered lab test
  -- of the tube's sample type. A panel child (T_TestParentT_TestID <> 0; NULL means 0) is
  -- reported as its panel (parent) test; if the parent row is missing or inactive the child
  -- is reported itself, so nothing is lost. Then one row per (tube, reported test): the
  -- children of one panel on one tube collapse into one row (earliest check-in, latest
  -- check-out; all of them come from the same tube). A tube with no matching ordered test
  -- gives no row. Check-in = Sampling*, check-out = Receive*.
  -- Station through the tube's sample type: t_sampletype -> t_bahan -> t_samplestation.
  -- -------------------------------------------------------------------------------------------
  SELECT
    'lab'                             AS row_kind,
    MIN(ss.T_SampleStationName)       AS sample_station_name,
    MIN(ml.M_LocationName)            AS location_name,
    MIN(LEFT(rt.T_TestSasCode, 8))    AS cpone_test_code,
    MIN(rt.T_TestName)                AS cpone_test_name,
    MIN(ntm.Nat_TestMapCode)          AS lis_test_code,
    DATE_FORMAT(MIN(CASE WHEN YEAR(os.T_OrderSampleSamplingDate) > 0
                          AND MONTH(os.T_OrderSampleSamplingDate) > 0
                          AND DAYOFMONTH(os.T_OrderSampleSamplingDate) > 0
                     THEN TIMESTAMP(os.T_OrderSampleSamplingDate,
                                    COALESCE(os.T_OrderSampleSamplingTime, '00:00:00')) END),
                '%Y-%m-%d %H:%i:%s')  AS sampling_check_in_datetime,
    MIN(CAST(os.T_OrderSampleSamplingUserID AS CHAR)) AS sampling_check_in_userid,
    DATE_FORMAT(MAX(CASE WHEN YEAR(os.T_OrderSampleReceiveDate) > 0
                          AND MONTH(os.T_OrderSampleReceiveDate) > 0
                          AND DAYOFMONTH(os.T_OrderSampleReceiveDate) > 0
                     THEN TIMESTAMP(os.T_OrderSampleReceiveDate,
                                    COALESCE(os.T_OrderSampleReceiveTime, '00:00:00')) END),
                '%Y-%m-%d %H:%i:%s')  AS sampling_check_out_datetime,
    MIN(CAST(os.T_OrderSampleReceiveUserID AS CHAR))  AS sampling_check_out_userid,
    os.T_OrderSampleID                AS sort_source_id,
    rt.T_TestID                       AS sort_test_id
  FROM t_orderheader oh
  JOIN t_ordersample os                          -- the order's tubes
    ON  os.T_OrderSampleT_OrderHeaderID = oh.T_OrderHeaderID
    AND os.T_OrderSampleIsActive = 'Y'
  JOIN t_orderdetail od                          -- the order's ordered tests
    ON  od.T_OrderDetailT_OrderHeaderID = oh.T_OrderHeaderID
    AND od.T_OrderDetailIsActive = 'Y'
  JOIN t_test t                                  -- ordered test: active, lab, of this tube's type
    ON  t.T_TestID = od.T_OrderDetailT_TestID
    AND t.T_TestIsActive = 'Y'
    AND t.T_TestT_SampleTypeID = os.T_OrderSampleT_SampleTypeID
    AND COALESCE(t.T_TestIsNonLab, '') IN ('', 'N')
  LEFT JOIN t_test pt                            -- its panel, when it is an active panel's child
    ON  pt.T_TestID = t.T_TestParentT_TestID
    AND t.T_TestParentT_TestID <> 0
    AND pt.T_TestIsActive = 'Y'
  JOIN t_test rt                                 -- reported test: the panel, else the test itself
    ON  rt.T_TestID = COALESCE(pt.T_TestID, t.T_TestID)
  LEFT JOIN t_sampletype st
    ON  st.T_SampleTypeID = os.T_OrderSampleT_SampleTypeID
    AND st.T_SampleTypeIsActive = 'Y'
  LEFT JOIN t_bahan b
    ON  b.T_BahanID = st.T_SampleTypeT_BahanID
    AND b.T_BahanIsActive = 'Y'
  LEFT JOIN t_samplestation ss
    ON  ss.T_SampleStationID = b.T_BahanT_SampleStationID
    AND ss.T_SampleStationIsActive = 'Y'
  LEFT JOIN t_order_location ol                  -- the room of this order at this station
    ON  ol.T_OrderLocationT_OrderHeaderID = oh.T_OrderHeaderID
    AND ol.T_OrderLocationT_SampleStationID = ss.T_SampleStationID
    AND ol.T_OrderLocationIsActive = 'Y'
  LEFT JOIN m_location ml
    ON  ml.M_LocationID = ol.T_OrderLocationM_LocationID
    AND ml.M_LocationIsActive = 'Y'
  LEFT JOIN nat_testmap ntm                      -- LIS code of the reported test
    ON  ntm.Nat_TestMapNat_TestID = rt.T_TestNat_TestID
    AND ntm.Nat_TestMapIsActive = 'Y'
  WHERE oh.T_OrderHeaderLabNumber = :lab_number
    AND oh.T_OrderHeaderIsActive = 'Y'
  GROUP BY os.T_OrderSampleID, rt.T_TestID

) AS u
ORDER BY
  u.row_kind <> 'order',                                               -- marker first
  u.sampling_check_in_datetime IS NULL, u.sampling_check_in_datetime,  -- check-in, NULLs last
  u.sample_station_name IS NULL,        u.sample_station_name,         -- station, NULLs last
  u.cpone_test_code IS NULL,            u.cpone_test_code,             -- test code, NULLs last
  u.row_kind,                                                          -- tie-break: lab, nonlab
  u.sort_source_id,                                                    -- tube / t_samplingso id
  u.sort_test_id                                                       -- reported test id
