-- Wynacom POST /glucose: current glucose results of one lab order.
-- Tables, columns and rules: docs/contract.md ("Lab data"); response contract: docs/openapi.yaml.
--
-- PARAMETERS: one named parameter, :lab_number (it appears more than once; mysql_async binds
-- every occurrence to the one value): the lab number (T_OrderHeaderLabNumber) as sent by
-- Wynacom, trimmed. Nothing else is bound, and there is no positional placeholder.
--
-- RESULT: one statement, one round trip. First column row_kind:
--   'order'   : marker row. Exactly one when an ACTIVE t_orderheader has this lab number, none
--               otherwise; all its other columns are NULL. No marker = "Order tidak ditemukan";
--               a marker and no other row = the order exists but has no glucose result.
--   'glucose' : one row per national test (OrderGlucoseNat_TestID) entered for the order.
-- The other columns are exactly the JSON keys of the response; every value is a string or NULL.
-- Rows come sorted: marker first, then cpone_test_code (NULLs last), then the national test id,
-- then the glucose row id, so the output is deterministic.
--
-- Rules:
--   * order_glucose gets a new row on every entry, so per order x national test only the
--     latest row (highest OrderGlucoseID) is the current result; the MAX is computed over the
--     order's own rows (idx_OrderGlucoseT_OrderHeaderID). A NULL national test id is treated
--     as one group of its own (NULL-safe comparison).
--   * the test is ONE active ordered test of the order (t_orderdetail -> t_test, both active)
--     whose T_TestNat_TestID is the entry's national test: the one ordered first (lowest
--     T_OrderDetailID). Choosing one, instead of joining all, keeps one row per result even
--     when two ordered tests share the national test (e.g. GDP ordered alone and inside a
--     panel). No such test on the order: code and name are NULL, the row is still returned.
--   * lis_test_code = active nat_testmap code of the entry's national test (none: NULL).
--   * GROUP BY the glucose row; MIN() only guards against two active nat_testmap rows for one
--     national test, which would otherwise duplicate the row.
--
-- PERFORMANCE: both branches start from t_orderheader by idx_T_OrderHeaderLabNumber; the
-- order's rows are read by idx_OrderGlucoseT_OrderHeaderID and idx_T_OrderDetailT_OrderHeaderID,
-- tests by primary key, nat_testmap by idx_Nat_TestMapNat_TestID. No table of order-sized
-- data is scanned; the cost does not grow with the number of orders.
-- Portable SQL for MySQL 8 (production) and MariaDB 10.11: no LATERAL, no engine-specific
-- syntax; every selected column is a GROUP BY column or an aggregate (ONLY_FULL_GROUP_BY).
-- Verified against db/demo.sql on MariaDB 10.11 (results in db/expected.md).

-- The optimizer hint caps the run time on MySQL 8 at 3000 ms (QUERY_TIMEOUT in
-- shared/src/lab/database.rs; error 3024 when hit). MariaDB 10.11 reads it as a comment.
SELECT /*+ MAX_EXECUTION_TIME(3000) */
  u.row_kind,
  u.cpone_test_code,
  u.cpone_test_name,
  u.lis_test_code,
  u.result_glucosa
FROM (

  -- -------------------------------------------------------------------------------------------
  -- Marker: one row when an active order header with this lab number exists.
  -- -------------------------------------------------------------------------------------------
  SELECT
    'order' AS row_kind,
    NULL    AS cpone_test_code,
    NULL    AS cpone_test_name,
    NULL    AS lis_test_code,
    NULL    AS result_glucosa,
    NULL    AS sort_nat_test_id,   -- sort / tie-break only, not returned
    NULL    AS sort_glucose_id     -- tie-break only, not returned
  FROM DUAL
  WHERE EXISTS (
    SELECT 1
    FROM t_orderheader
    WHERE T_OrderHeaderLabNumber = :lab_number
      AND T_OrderHeaderIsActive = 'Y'
  )

  UNION ALL

  -- -------------------------------------------------------------------------------------------
  -- Glucose: the latest entry per national test of the order.
  -- -------------------------------------------------------------------------------------------
  SELECT
    'glucose'                         AS row_kind,
    MIN(LEFT(t.T_TestSasCode, 8))     AS cpone_test_code,
    MIN(t.T_TestName)                 AS cpone_test_name,
    MIN(ntm.Nat_TestMapCode)          AS lis_test_code,
    MIN(g.OrderGlucoseResult)         AS result_glucosa,
    MIN(g.OrderGlucoseNat_TestID)     AS sort_nat_test_id,
    g.OrderGlucoseID                  AS sort_glucose_id
  FROM t_orderheader oh
  JOIN order_glucose g                           -- the order's entries, latest per national test
    ON  g.OrderGlucoseT_OrderHeaderID = oh.T_OrderHeaderID
    AND g.OrderGlucoseID = (
          SELECT MAX(latest.OrderGlucoseID)
          FROM order_glucose latest
          WHERE latest.OrderGlucoseT_OrderHeaderID = oh.T_OrderHeaderID
            AND latest.OrderGlucoseNat_TestID <=> g.OrderGlucoseNat_TestID
        )
  LEFT JOIN t_orderdetail od                     -- the first active ordered test of this nat test
    ON  od.T_OrderDetailT_OrderHeaderID = oh.T_OrderHeaderID
    AND od.T_OrderDetailID = (
          SELECT MIN(od2.T_OrderDetailID)
          FROM t_orderdetail od2
          JOIN t_test t2
            ON  t2.T_TestID = od2.T_OrderDetailT_TestID
            AND t2.T_TestIsActive = 'Y'
          WHERE od2.T_OrderDetailT_OrderHeaderID = oh.T_OrderHeaderID
            AND od2.T_OrderDetailIsActive = 'Y'
            AND t2.T_TestNat_TestID = g.OrderGlucoseNat_TestID
        )
  LEFT JOIN t_test t
    ON  t.T_TestID = od.T_OrderDetailT_TestID
    AND t.T_TestIsActive = 'Y'
  LEFT JOIN nat_testmap ntm                      -- LIS code of the entry's national test
    ON  ntm.Nat_TestMapNat_TestID = g.OrderGlucoseNat_TestID
    AND ntm.Nat_TestMapIsActive = 'Y'
  WHERE oh.T_OrderHeaderLabNumber = :lab_number
    AND oh.T_OrderHeaderIsActive = 'Y'
  GROUP BY g.OrderGlucoseID

) AS u
ORDER BY
  u.row_kind <> 'order',                                               -- marker first
  u.cpone_test_code IS NULL, u.cpone_test_code,                        -- test code, NULLs last
  u.sort_nat_test_id IS NULL, u.sort_nat_test_id,                      -- national test id
  u.sort_glucose_id                                                    -- tie-break
