-- wrk script for bench/alert_ingest.py: every request is an Alertmanager version-4 body of
-- 100 firing alerts whose fingerprints were never seen before, for one of 20 groups.
-- Like Alertmanager, which sends a group's next notification only after the last one was
-- answered, no two requests in flight are for the same group: of wrk's two threads, the
-- first sends the odd groups and the second the even ones, each in turn, so this holds
-- while a thread has fewer than 10 requests in flight (up to 20 connections; the bench
-- uses 8).
-- Arguments (after `--`): the integration's secret, a run id.
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  wrk.method = "POST"
  wrk.headers["Authorization"] = "Bearer " .. args[1]
  wrk.headers["Content-Type"] = "application/json"
  run = args[2]
  started = os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() - 60)
  counter = 0
end

local ALERT = '{"status":"firing","labels":{"alertname":"Bench%d","service":"api",'
  .. '"severity":"critical","instance":"host-%d-%d-%d"},"annotations":{"summary":"bench"},'
  .. '"startsAt":"%s","endsAt":"0001-01-01T00:00:00Z","generatorURL":"",'
  .. '"fingerprint":"%s-%d-%d-%d"}'

function request()
  counter = counter + 1
  local group = (counter * 2 + tid) % 20
  local alerts = {}
  for n = 1, 100 do
    alerts[n] = string.format(ALERT, group, tid, counter, n, started, run, tid, counter, n)
  end
  local body = '{"receiver":"muster","status":"firing","alerts":[' .. table.concat(alerts, ",")
    .. '],"groupLabels":{"alertname":"Bench' .. group .. '"},"commonLabels":{},'
    .. '"commonAnnotations":{},"externalURL":"http://am:9093","version":"4",'
    .. '"groupKey":"{}:{alertname=\\"' .. run .. '-Bench' .. group .. '\\"}","truncatedAlerts":0}'
  return wrk.format(nil, nil, nil, body)
end
