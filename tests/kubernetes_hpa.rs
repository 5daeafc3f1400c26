//! The Kubernetes Horizontal Pod Autoscaler's own test cases, run against the
//! lab's `hpa::recommend`, `hpa_metric::recommend_for_rate` and `Behavior`.
//!
//! Ported from kubernetes/kubernetes `pkg/controller/podautoscaler`:
//! `replica_calculator_test.go` (the replica calculator) and
//! `horizontal_test.go` (`TestScalingWithRules`,
//! `TestCalculateScaleUpLimitWithScalingRules`,
//! `TestCalculateScaleDownLimitWithBehaviors`,
//! `TestNormalizeDesiredReplicasWithBehavior`). Each case carries its upstream
//! name, its inputs and its expected replica count. What is translated:
//! - a pod is what `groupPods` makes of it: ready with a metric (its usage as a
//!   share of its request: 300m of a 1-core request is 0.3), missing (no
//!   metric), unready (not ready, pending, or its CPU still initialising:
//!   upstream's "hot CPU" pods), or ignored (failed or being deleted);
//! - a container metric case is the same arithmetic on that container's usage
//!   and request, so it becomes the same pods as its pod-metric twin;
//! - a Pods (custom) metric is the same arithmetic on values against an
//!   average-value target (readiness is not looked at for it, as upstream);
//!   Object and External metrics with an AverageValue target are
//!   `recommend_for_rate`;
//! - where requests differ between pods, the ready pods' utilisation is given
//!   as Kubernetes weighs it (total usage over total requests): the lab's pods
//!   of one service all have the same request;
//! - Kubernetes truncates utilisation to a whole percent; the lab does not.
//!   Every case here decides the same either way; the last test shows a case
//!   where they differ, on purpose.
//!
//! Cases that test errors, integer overflow, label selectors or events
//! upstream are not ported.
#![cfg(not(target_arch = "wasm32"))]

use resilience_lab::sim::capacity::hpa::{
    recommend, Behavior, Census, History, Policy, Rules, Select, Tolerance,
};
use resilience_lab::sim::capacity::hpa_metric::recommend_for_rate;
use resilience_lab::sim::{Micros, SEC};

/// A pod as `groupPods` sees it.
#[derive(Clone, Copy, Debug)]
enum Pod {
    /// Ready, with its usage as a share of its request.
    Ready(f64),
    /// No metric.
    Missing,
    /// Not ready yet: pending, unready, or CPU still initialising.
    Unready,
    /// Failed, or being deleted: not counted at all.
    Ignored,
}
use Pod::*;

fn census(pods: &[Pod]) -> Census {
    let mut c = Census::default();
    for p in pods {
        match *p {
            Ready(u) => {
                c.util_sum += u;
                c.ready += 1;
            }
            Missing => c.missing += 1,
            Unready => c.unready += 1,
            Ignored => {}
        }
    }
    c
}

/// `defaultTestingTolerance`: 0.1 each way.
const TOL: Tolerance = Tolerance { down: 0.1, up: 0.1 };

/// `GetResourceReplicas` at a target utilisation in percent.
fn resource(current: u32, pods: &[Pod], target_pct: f64, tol: Tolerance) -> u32 {
    recommend(current, &census(pods), target_pct / 100.0, tol)
}

/// `GetMetricReplicas` (a Pods metric): `values` per pod (`None`: missing),
/// against an average-value `target`.
fn pods_metric(current: u32, values: &[Option<f64>], target: f64, tol: Tolerance) -> u32 {
    let pods: Vec<Pod> = values.iter().map(|v| v.map_or(Missing, Ready)).collect();
    recommend(current, &census(&pods), target, tol)
}

fn case(name: &str, got: u32, want: u32) {
    assert_eq!(got, want, "{name}");
}

// ---------------------------------------------------------------------------
// replica_calculator_test.go

/// TestReplicaCalcResourceScale, every subcase (requests of 1 core; the
/// container-metric subcases are their pod-metric twins here).
#[test]
fn replica_calc_resource_scale() {
    let up = [Ready(0.3), Ready(0.5), Ready(0.7)];
    let down = [Ready(0.1), Ready(0.3), Ready(0.5), Ready(0.25), Ready(0.25)];
    let down_unready = [Ready(0.1), Ready(0.3), Ready(0.5), Unready, Unready];
    let down_ignored = [
        Ready(0.1),
        Ready(0.3),
        Ready(0.5),
        Ready(0.25),
        Ready(0.25),
        Ignored,
        Ignored,
    ];
    let up_ignored = [Ready(0.5), Ready(0.7), Ignored, Ignored];
    let cases: &[(&str, u32, &[Pod], f64, u32)] = &[
        ("scale up", 3, &up, 30.0, 5),
        ("scale up: container metric", 3, &up, 30.0, 5),
        (
            "scale up: unready pod scales less",
            3,
            &[Unready, Ready(0.5), Ready(0.7)],
            30.0,
            4,
        ),
        (
            "scale up: hot-CPU container scales less",
            3,
            &[Unready, Ready(0.5), Ready(0.7)],
            30.0,
            4,
        ),
        (
            "scale up: hot-CPU pod scales less",
            3,
            &[Unready, Ready(0.5), Ready(0.7)],
            30.0,
            4,
        ),
        (
            "no scale: unready pods ignored",
            3,
            &[Ready(0.4), Unready, Unready],
            30.0,
            3,
        ),
        (
            "no scale: hot-CPU pods ignored",
            3,
            &[Ready(0.4), Unready, Unready],
            30.0,
            3,
        ),
        ("scale up: failed pods ignored", 2, &up_ignored, 30.0, 4),
        (
            "scale up: failed pods ignored with missing container metric",
            2,
            &up_ignored,
            30.0,
            4,
        ),
        (
            "scale up: container metrics with failed pods ignored",
            2,
            &up_ignored,
            30.0,
            4,
        ),
        (
            "scale up: pods being deleted are ignored",
            2,
            &up_ignored,
            30.0,
            4,
        ),
        (
            "scale up: container metrics with pods being deleted ignored",
            2,
            &up_ignored,
            30.0,
            4,
        ),
        ("scale down", 5, &down, 50.0, 3),
        ("scale down: container metric", 5, &down, 50.0, 3),
        (
            "scale down: exclude unready pods",
            5,
            &down_unready,
            50.0,
            2,
        ),
        (
            "scale down: container metric excludes unready pods",
            5,
            &down_unready,
            50.0,
            2,
        ),
        (
            "scale down: exclude unscheduled pods",
            5,
            &[Ready(0.1), Unready, Unready, Unready, Unready],
            50.0,
            1,
        ),
        (
            "scale down: container metric excludes unscheduled pods",
            5,
            &[Ready(0.1), Unready, Unready, Unready, Unready],
            50.0,
            1,
        ),
        ("scale down: ignore hot-CPU pods", 5, &down_unready, 50.0, 2),
        (
            "scale down: container metric ignores hot-CPU pods",
            5,
            &down_unready,
            50.0,
            2,
        ),
        ("scale down: failed pods ignored", 5, &down_ignored, 50.0, 3),
        (
            "scale down: container metric with failed pods ignored",
            5,
            &down_ignored,
            50.0,
            3,
        ),
        (
            "scale down: pods being deleted are ignored",
            5,
            &down_ignored,
            50.0,
            3,
        ),
        (
            "scale down: still-running pods being deleted are ignored",
            5,
            &down_ignored,
            50.0,
            3,
        ),
    ];
    assert_eq!(cases.len(), 24);
    for &(name, current, pods, target, want) in cases {
        case(name, resource(current, pods, target, TOL), want);
    }
}

/// TestReplicaCalcScaleUpCM
#[test]
fn replica_calc_scale_up_cm() {
    let v = [Some(20_000.0), Some(10_000.0), Some(30_000.0)];
    assert_eq!(pods_metric(3, &v, 15_000.0, TOL), 4);
}

/// TestReplicaCalcScaleUpCMUnreadyHotCpuNoLessScale (readiness does not
/// matter to a Pods metric: all three count).
#[test]
fn replica_calc_scale_up_cm_unready_hot_cpu_no_less_scale() {
    let v = [Some(50_000.0), Some(10_000.0), Some(30_000.0)];
    assert_eq!(pods_metric(3, &v, 15_000.0, TOL), 6);
}

/// TestReplicaCalcScaleUpCMUnreadyHotCpuScaleWouldScaleDown
#[test]
fn replica_calc_scale_up_cm_unready_hot_cpu_scale_would_scale_down() {
    let v = [Some(50_000.0), Some(15_000.0), Some(30_000.0)];
    assert_eq!(pods_metric(3, &v, 15_000.0, TOL), 7);
}

/// TestReplicaCalcScaleUpCMPerPodObject
#[test]
fn replica_calc_scale_up_cm_per_pod_object() {
    assert_eq!(recommend_for_rate(3, 20_000.0, 5_000.0, TOL), 4);
}

/// TestReplicaCalcScaleUpPerPodCMExternal
#[test]
fn replica_calc_scale_up_per_pod_cm_external() {
    assert_eq!(recommend_for_rate(3, 8_600.0, 2_150.0, TOL), 4);
}

/// TestReplicaCalcScaleDownCM
#[test]
fn replica_calc_scale_down_cm() {
    let v = [Some(12_000.0); 5];
    assert_eq!(pods_metric(5, &v, 20_000.0, TOL), 3);
}

/// TestReplicaCalcScaleDownPerPodCMObject
#[test]
fn replica_calc_scale_down_per_pod_cm_object() {
    assert_eq!(recommend_for_rate(5, 6_000.0, 2_000.0, TOL), 3);
}

/// TestReplicaCalcScaleDownPerPodCMExternal
#[test]
fn replica_calc_scale_down_per_pod_cm_external() {
    assert_eq!(recommend_for_rate(5, 8_600.0, 2_867.0, TOL), 3);
}

/// The ready pods' utilisation as Kubernetes weighs it when requests differ:
/// total usage over total requests (millicores), for each of `n` pods.
fn weighted(n: usize, usage: &[f64], requests: &[f64]) -> Vec<Pod> {
    let u = usage.iter().sum::<f64>() / requests.iter().sum::<f64>();
    vec![Ready(u); n]
}

/// TestReplicaCalcTolerance (requests 0.9, 1.0, 1.1; 102 %)
#[test]
fn replica_calc_tolerance() {
    let pods = weighted(3, &[1010.0, 1030.0, 1020.0], &[900.0, 1000.0, 1100.0]);
    assert_eq!(resource(3, &pods, 100.0, TOL), 3);
}

/// TestReplicaCalcToleranceCM
#[test]
fn replica_calc_tolerance_cm() {
    let v = [Some(20_000.0), Some(21_000.0), Some(21_000.0)];
    assert_eq!(pods_metric(3, &v, 20_000.0, TOL), 3);
}

/// TestReplicaCalcTolerancePerPodCMObject
#[test]
fn replica_calc_tolerance_per_pod_cm_object() {
    assert_eq!(recommend_for_rate(4, 20_166.0, 5_000.0, TOL), 4);
}

/// TestReplicaCalcTolerancePerPodCMExternal
#[test]
fn replica_calc_tolerance_per_pod_cm_external() {
    assert_eq!(recommend_for_rate(3, 8_600.0, 2_900.0, TOL), 3);
}

/// TestReplicaCalcConfigurableTolerance, every subcase (requests 0.9, 1.0,
/// 1.1; `Tolerances{scaleDown, scaleUp}`).
#[test]
fn replica_calc_configurable_tolerance() {
    let req = [900.0, 1000.0, 1100.0];
    type Case = (&'static str, (f64, f64), [f64; 3], u32);
    let cases: &[Case] = &[
        (
            "Outside of a 0% tolerance",
            (0.0, 0.0),
            [909.0, 1010.0, 1111.0],
            4,
        ),
        (
            "Within a 200% scale-up tolerance",
            (0.1, 2.0),
            [1890.0, 1910.0, 1900.0],
            3,
        ),
        (
            "Outside 8% scale-up tolerance (and superfuous scale-down tolerance)",
            (2.0, 0.08),
            [1100.0, 1080.0, 1090.0],
            4,
        ),
        (
            "Within a 36% scale-down tolerance",
            (0.36, 0.1),
            [660.0, 640.0, 650.0],
            3,
        ),
        (
            "Outside a 34% scale-down tolerance",
            (0.34, 0.1),
            [660.0, 640.0, 650.0],
            2,
        ),
    ];
    for &(name, (down, up), usage, want) in cases {
        let pods = weighted(3, &usage, &req);
        case(
            name,
            resource(3, &pods, 100.0, Tolerance { down, up }),
            want,
        );
    }
}

const UP_1_PCT: Tolerance = Tolerance {
    down: 0.1,
    up: 0.01,
};

/// TestReplicaCalcConfigurableToleranceCM
#[test]
fn replica_calc_configurable_tolerance_cm() {
    let v = [Some(20_000.0), Some(21_000.0), Some(21_000.0)];
    assert_eq!(pods_metric(3, &v, 20_000.0, UP_1_PCT), 4);
}

/// TestReplicaCalcConfigurableTolerancePerPodCMObject
#[test]
fn replica_calc_configurable_tolerance_per_pod_cm_object() {
    assert_eq!(recommend_for_rate(4, 20_208.0, 5_000.0, UP_1_PCT), 5);
}

/// TestReplicaCalcConfigurableTolerancePerPodCMExternal
#[test]
fn replica_calc_configurable_tolerance_per_pod_cm_external() {
    assert_eq!(recommend_for_rate(3, 8_600.0, 2_800.0, UP_1_PCT), 4);
}

/// TestReplicaCalcSuperfluousMetrics (metrics for two pods that are not the
/// target's are not counted).
#[test]
fn replica_calc_superfluous_metrics() {
    let pods = [Ready(4.0), Ready(9.5), Ready(3.0), Ready(7.0)];
    assert_eq!(resource(4, &pods, 100.0, TOL), 24);
}

/// TestReplicaCalcMissingMetrics: the missing pods count as using their whole
/// request on this scale-down; dropped, they would give 1.
#[test]
fn replica_calc_missing_metrics() {
    let pods = [Ready(0.4), Ready(0.095), Missing, Missing];
    assert_eq!(resource(4, &pods, 100.0, TOL), 3);
}

/// TestPlainMetricReplicaCalcMissingMetricsNoChangeEq
#[test]
fn plain_metric_replica_calc_missing_metrics_no_change_eq() {
    let v = [Some(20_000.0), Some(19_000.0), Some(21_000.0), None, None];
    assert_eq!(pods_metric(5, &v, 20_000.0, TOL), 5);
}

/// TestReplicaCalcMissingMetricsNoChangeEq
#[test]
fn replica_calc_missing_metrics_no_change_eq() {
    assert_eq!(resource(2, &[Ready(1.0), Missing], 100.0, TOL), 2);
}

/// TestReplicaCalcMissingMetricsNoChangeGt: 190 % would scale up, but with the
/// missing pod at 0 % it is 95 %: the direction flips, nothing changes.
#[test]
fn replica_calc_missing_metrics_no_change_gt() {
    assert_eq!(resource(2, &[Ready(1.9), Missing], 100.0, TOL), 2);
}

/// TestReplicaCalcMissingMetricsNoChangeLt
#[test]
fn replica_calc_missing_metrics_no_change_lt() {
    assert_eq!(resource(2, &[Ready(0.6), Missing], 100.0, TOL), 2);
}

/// TestReplicaCalcMissingMetricsUnreadyChange
#[test]
fn replica_calc_missing_metrics_unready_change() {
    let pods = [Unready, Ready(0.45), Missing];
    assert_eq!(resource(3, &pods, 50.0, TOL), 3);
}

/// TestReplicaCalcMissingMetricsHotCpuNoChange
#[test]
fn replica_calc_missing_metrics_hot_cpu_no_change() {
    let pods = [Unready, Ready(0.45), Missing];
    assert_eq!(resource(3, &pods, 50.0, TOL), 3);
}

/// TestReplicaCalcMissingMetricsUnreadyScaleUp
#[test]
fn replica_calc_missing_metrics_unready_scale_up() {
    let pods = [Unready, Ready(2.0), Missing];
    assert_eq!(resource(3, &pods, 50.0, TOL), 4);
}

/// TestReplicaCalcMissingMetricsHotCpuScaleUp
#[test]
fn replica_calc_missing_metrics_hot_cpu_scale_up() {
    let pods = [Unready, Ready(2.0), Missing];
    assert_eq!(resource(3, &pods, 50.0, TOL), 4);
}

/// TestReplicaCalcMissingMetricsUnreadyScaleDown
#[test]
fn replica_calc_missing_metrics_unready_scale_down() {
    let pods = [Unready, Ready(0.1), Ready(0.1), Missing];
    assert_eq!(resource(4, &pods, 50.0, TOL), 3);
}

/// TestReplicaCalcMissingMetricsScaleDownTargetOver100: a missing pod counts
/// as using the 300 % target, not 100 % (with 100 % the answer would be 1).
/// Requests 1, 2 and 2 cores for the two ready pods and the missing one.
#[test]
fn replica_calc_missing_metrics_scale_down_target_over_100() {
    let mut pods = weighted(2, &[200.0, 200.0], &[2000.0, 4000.0]);
    pods.extend([Unready, Missing]);
    assert_eq!(resource(4, &pods, 300.0, TOL), 2);
}

/// TestReplicaCalcDuringRollingUpdateWithMaxSurge: three pods for two
/// replicas, one not measured yet; counting it would raise the count on a
/// scale-down, so nothing changes.
#[test]
fn replica_calc_during_rolling_update_with_max_surge() {
    let pods = [Ready(0.1), Ready(0.1), Missing];
    assert_eq!(resource(2, &pods, 50.0, TOL), 2);
}

/// TestReplicaCalcDuringRollingUpdateWithMaxSurgeCM
#[test]
fn replica_calc_during_rolling_update_with_max_surge_cm() {
    let v = [Some(10_000.0), Some(10_000.0), None];
    assert_eq!(pods_metric(2, &v, 17_000.0, TOL), 2);
}

/// TestReplicaCalcComputedToleranceAlgImplementation: ten pods using 150m of
/// about 300m each (50 %); a target of 56 % is just outside the tolerance
/// (9 pods), 55 % just inside (10).
#[test]
fn replica_calc_computed_tolerance_alg_implementation() {
    let requests = [
        400.0, 200.0, 310.0, 290.0, 302.0, 298.0, 301.0, 299.0, 300.0, 300.0,
    ];
    let pods = weighted(10, &[150.0; 10], &requests);
    let target: f64 = 1.0 / (2.0 * (1.0 - 0.1)) + 0.01;
    let final_pct = (target * 100.0) as i32 as f64;
    let used_ratio = 1500.0 / (3000.0 * target);
    let final_pods = (used_ratio * 10.0).ceil() as u32;
    assert_eq!((final_pct, final_pods), (56.0, 9));
    assert_eq!(resource(10, &pods, final_pct, TOL), final_pods);
    let target = 1.0 / (2.0 * (1.0 - 0.1)) + 0.004;
    let final_pct = (target * 100.0) as i32 as f64;
    assert_eq!(resource(10, &pods, final_pct, TOL), 10);
}

// ---------------------------------------------------------------------------
// horizontal_test.go

/// `generateScalingRules(pods, podsPeriod, percent, percentPeriod,
/// stabilizationWindow)`, select policy Max.
fn rules(pods: u32, pods_s: u64, percent: u32, percent_s: u64, window_s: u64) -> Rules {
    let mut policies = Vec::new();
    if pods != 0 {
        policies.push(Policy::Pods {
            pods,
            period_us: pods_s * SEC,
        });
    }
    if percent != 0 {
        policies.push(Policy::Percent {
            percent,
            period_us: percent_s * SEC,
        });
    }
    Rules {
        stabilization_us: window_s * SEC,
        policies,
        select: Select::Max,
    }
}

/// A time well after every event of a case.
const NOW: Micros = 10_000 * SEC;

/// `generateEventsUniformDistribution(events, 120)`: spread over the last two
/// minutes, each in the middle of its share of them.
fn events(h: &mut History, changes: &[u32], up: bool) {
    let seg = 120.0 / changes.len() as f64;
    for (i, &c) in changes.iter().enumerate() {
        let ago = 120.0 - seg * (i + 1) as f64 + seg / 2.0;
        let at = NOW - (ago * SEC as f64) as Micros;
        if up {
            h.record_scale(at, 0, c);
        } else {
            h.record_scale(at, c, 0);
        }
    }
}

type RulesArgs = (u32, u64, u32, u64, u64);

struct WithRules {
    name: &'static str,
    up_events: &'static [u32],
    down_events: &'static [u32],
    min: u32,
    max: u32,
    up: Option<RulesArgs>,
    down: Option<RulesArgs>,
    current: u32,
    desired: u32,
    want: u32,
}

const NO_EVENTS: &[u32] = &[];

const fn row(
    name: &'static str,
    (current, desired, min, max): (u32, u32, u32, u32),
    up: Option<RulesArgs>,
    down: Option<RulesArgs>,
    want: u32,
) -> WithRules {
    WithRules {
        name,
        up_events: NO_EVENTS,
        down_events: NO_EVENTS,
        min,
        max,
        up,
        down,
        current,
        desired,
        want,
    }
}

const fn up_events(mut r: WithRules, e: &'static [u32]) -> WithRules {
    r.up_events = e;
    r
}

const fn down_events(mut r: WithRules, e: &'static [u32]) -> WithRules {
    r.down_events = e;
    r
}

const E159: &[u32] = &[1, 5, 9];
const E8_12_9_11: &[u32] = &[8, 12, 9, 11];

/// TestScalingWithRules, every case (`convertDesiredReplicasWithBehaviorRate`;
/// rules not given are the defaults, `GenerateHPAScale{Up,Down}Rules(nil)`).
/// The case "scaleDownLimit is the limit because scaleDownLimit > minReplicas
/// with user defined policies" is marked `testThis` and skipped upstream; its
/// expectation holds here.
#[test]
fn scaling_with_rules() {
    let rows = [
        row("prenormalized desired replicas within range", (5, 7, 3, 8), None, None, 7),
        row("prenormalized desired replicas < minReplicas", (3, 1, 2, 8), None, None, 2),
        row(
            "prenormalized desired replicas within range when minReplicas is 0",
            (1, 0, 0, 10),
            None,
            None,
            0,
        ),
        row(
            "maxReplicas is the limit because maxReplicas < scaleUpLimit",
            (20, 1000, 1, 10),
            None,
            None,
            10,
        ),
        row(
            "desired replica count is more than the maximum replica count",
            (100, 1000, 100, 150),
            None,
            None,
            150,
        ),
        row(
            "scaleUpLimit is the limit because scaleUpLimit < maxReplicas with user policies",
            (3, 1000, 1, 2000),
            Some((0, 0, 1, 60, 0)),
            None,
            4,
        ),
        row(
            "scaleDownLimit is the limit because scaleDownLimit > minReplicas with user defined policies",
            (1000, 3, 3, 2000),
            None,
            Some((20, 60, 0, 0, 0)),
            980,
        ),
        row("scaleUp with default behavior", (10, 50, 1, 1000), None, None, 20),
        row(
            "scaleUp with pods policy larger than percent policy",
            (10, 500, 1, 1000),
            Some((100, 60, 100, 60, 0)),
            None,
            110,
        ),
        row(
            "scaleUp with percent policy larger than pods policy",
            (10, 500, 1, 1000),
            Some((2, 60, 100, 60, 0)),
            None,
            20,
        ),
        row(
            "scaleUp with spec MaxReplicas limitation with large pod policy",
            (10, 50, 1, 1000),
            Some((100, 60, 0, 0, 0)),
            None,
            50,
        ),
        row(
            "scaleUp with spec MaxReplicas limitation with large percent policy",
            (10, 50, 1, 1000),
            Some((10000, 60, 0, 0, 0)),
            None,
            50,
        ),
        row(
            "scaleUp with pod policy limitation",
            (10, 50, 1, 1000),
            Some((30, 60, 0, 0, 0)),
            None,
            40,
        ),
        row(
            "scaleUp with percent policy limitation",
            (10, 50, 1, 1000),
            Some((0, 0, 200, 60, 0)),
            None,
            30,
        ),
        row(
            "scaleDown with percent policy larger than pod policy",
            (100, 2, 1, 1000),
            None,
            Some((20, 60, 1, 60, 300)),
            80,
        ),
        row(
            "scaleDown with pod policy larger than percent policy",
            (100, 2, 1, 1000),
            None,
            Some((2, 60, 1, 60, 300)),
            98,
        ),
        row(
            "scaleDown with spec MinReplicas=nil limitation with large pod policy",
            (10, 0, 1, 1000),
            None,
            Some((100, 60, 0, 0, 300)),
            1,
        ),
        row(
            "scaleDown with spec MinReplicas limitation with large pod policy",
            (10, 0, 1, 1000),
            None,
            Some((100, 60, 0, 0, 300)),
            1,
        ),
        row(
            "scaleDown with spec MinReplicas limitation with large percent policy",
            (10, 2, 5, 1000),
            None,
            Some((0, 0, 100, 60, 300)),
            5,
        ),
        row(
            "scaleDown with pod policy limitation",
            (10, 2, 1, 1000),
            None,
            Some((5, 60, 0, 0, 300)),
            5,
        ),
        row(
            "scaleDown with percent policy limitation",
            (10, 5, 1, 1000),
            None,
            Some((0, 0, 50, 60, 300)),
            5,
        ),
        up_events(
            row(
                "scaleUp with spec MaxReplicas limitation with large pod policy and events",
                (100, 500, 1, 200),
                Some((300, 60, 0, 0, 0)),
                None,
                200,
            ),
            E159,
        ),
        up_events(
            row(
                "scaleUp with spec MaxReplicas limitation with large percent policy and events",
                (100, 500, 1, 200),
                Some((0, 0, 10000, 60, 0)),
                None,
                200,
            ),
            E159,
        ),
        up_events(
            row(
                "scaleUp with currentReplicas limitation with rate.PeriodSeconds with a lot of recent scale up events",
                (100, 500, 1, 1000),
                Some((5, 120, 0, 0, 0)),
                None,
                100,
            ),
            E159,
        ),
        up_events(
            row(
                "scaleUp with pod policy and previous scale up events",
                (100, 500, 1, 1000),
                Some((150, 120, 0, 0, 0)),
                None,
                235,
            ),
            E159,
        ),
        up_events(
            row(
                "scaleUp with percent policy and previous scale up events",
                (100, 500, 1, 1000),
                Some((0, 0, 200, 120, 0)),
                None,
                255,
            ),
            E159,
        ),
        down_events(
            row(
                "scaleDown with default policy and previous events",
                (10, 5, 1, 1000),
                None,
                None,
                5,
            ),
            E159,
        ),
        down_events(
            row(
                "scaleDown with spec MinReplicas=nil limitation with large pod policy and previous events",
                (100, 0, 1, 1000),
                None,
                Some((115, 120, 0, 0, 300)),
                1,
            ),
            E159,
        ),
        down_events(
            row(
                "scaleDown with spec MinReplicas limitation with large pod policy and previous events",
                (100, 0, 5, 1000),
                None,
                Some((130, 120, 0, 0, 300)),
                5,
            ),
            E159,
        ),
        down_events(
            row(
                "scaleDown with spec MinReplicas limitation with large percent policy and previous events",
                (100, 2, 5, 1000),
                None,
                Some((0, 0, 100, 120, 300)),
                5,
            ),
            E159,
        ),
        down_events(
            row(
                "scaleDown with pod policy limitation and previous events",
                (100, 2, 1, 1000),
                None,
                Some((5, 120, 0, 0, 300)),
                100,
            ),
            E159,
        ),
        down_events(
            row(
                "scaleDown with percent policy limitation and previous events",
                (100, 0, 1, 1000),
                None,
                Some((0, 0, 50, 120, 300)),
                56,
            ),
            &[2, 4, 6],
        ),
        down_events(
            row(
                "scaleDown with previous events preventing further scale down",
                (100, 0, 1, 1000),
                None,
                Some((0, 0, 10, 120, 300)),
                100,
            ),
            &[10, 10, 10],
        ),
        down_events(
            row(
                "scaleDown with with previous events still allowing more scale down",
                (10, 5, 1, 1000),
                None,
                Some((0, 0, 1000, 120, 300)),
                5,
            ),
            &[10, 10, 10],
        ),
        up_events(
            row(
                "check 'outdated' flag for events for one behavior for up",
                (100, 200, 1, 1000),
                Some((1000, 60, 0, 0, 0)),
                None,
                200,
            ),
            E8_12_9_11,
        ),
        up_events(
            row(
                "check that events were not marked 'outdated' for two different policies in the behavior for up",
                (100, 200, 1, 1000),
                Some((1000, 120, 100, 60, 0)),
                None,
                200,
            ),
            E8_12_9_11,
        ),
        up_events(
            row(
                "check that events were marked 'outdated' for two different policies in the behavior for up",
                (100, 200, 1, 1000),
                Some((1000, 30, 100, 60, 0)),
                None,
                200,
            ),
            E8_12_9_11,
        ),
        down_events(
            row(
                "check 'outdated' flag for events for one behavior for down",
                (100, 5, 1, 1000),
                None,
                Some((1000, 60, 0, 0, 300)),
                5,
            ),
            E8_12_9_11,
        ),
        down_events(
            row(
                "check that events were not marked 'outdated' for two different policies in the behavior for down",
                (100, 5, 1, 1000),
                None,
                Some((1000, 120, 100, 60, 300)),
                5,
            ),
            E8_12_9_11,
        ),
        down_events(
            row(
                "check that events were marked 'outdated' for two different policies in the behavior for down",
                (100, 5, 1, 1000),
                None,
                Some((1000, 30, 100, 60, 300)),
                5,
            ),
            E8_12_9_11,
        ),
    ];
    assert_eq!(rows.len(), 40);
    for r in rows {
        let d = Behavior::default();
        let apply = |a: Option<RulesArgs>, default: Rules| {
            a.map_or(default, |(p, ps, c, cs, w)| rules(p, ps, c, cs, w))
        };
        let b = Behavior {
            up: apply(r.up, d.up),
            down: apply(r.down, d.down),
        };
        let mut h = History::default();
        events(&mut h, r.up_events, true);
        events(&mut h, r.down_events, false);
        let got = b.limit(&mut h, NOW, r.current, r.desired, r.min, r.max);
        case(r.name, got, r.want);
    }
}

/// Both of a direction's policies: 2 pods or 50 % per minute, the smaller
/// change winning (`MinPolicySelect`).
fn min_select() -> Rules {
    Rules {
        stabilization_us: 300 * SEC,
        policies: vec![
            Policy::Pods {
                pods: 2,
                period_us: 60 * SEC,
            },
            Policy::Percent {
                percent: 50,
                period_us: 60 * SEC,
            },
        ],
        select: Select::Min,
    }
}

/// TestCalculateScaleUpLimitWithScalingRules
#[test]
fn calculate_scale_up_limit_with_scaling_rules() {
    let b = Behavior {
        up: min_select(),
        ..Behavior::default()
    };
    let mut h = History::default();
    assert_eq!(b.limit(&mut h, NOW, 1, 1000, 1, 1000), 2);
}

/// TestCalculateScaleDownLimitWithBehaviors
#[test]
fn calculate_scale_down_limit_with_behaviors() {
    let b = Behavior {
        down: min_select(),
        ..Behavior::default()
    };
    let mut h = History::default();
    assert_eq!(b.limit(&mut h, NOW, 5, 0, 0, 1000), 3);
}

/// TestNormalizeDesiredReplicasWithBehavior, every case
/// (`stabilizeRecommendationWithBehaviors`): earlier recommendations (value,
/// minutes ago), the current and desired replicas, the up and down windows.
#[test]
fn normalize_desired_replicas_with_behavior() {
    type Case = (&'static str, &'static [(u32, u64)], u32, u32, u64, u64, u32);
    let cases: &[Case] = &[
        (
            "empty recommendations for scaling down",
            &[],
            100,
            5,
            0,
            0,
            5,
        ),
        (
            "simple scale down stabilization",
            &[(4, 2), (5, 1)],
            100,
            3,
            0,
            180,
            5,
        ),
        (
            "simple scale up stabilization",
            &[(4, 2), (5, 1)],
            1,
            7,
            300,
            0,
            4,
        ),
        (
            "no scale down stabilization",
            &[(1, 2), (2, 1)],
            100,
            3,
            300,
            0,
            3,
        ),
        (
            "no scale up stabilization",
            &[(4, 2), (5, 1)],
            1,
            3,
            0,
            300,
            3,
        ),
        (
            "no scale down stabilization, reuse recommendation element",
            &[(10, 10), (9, 9)],
            100,
            3,
            0,
            0,
            3,
        ),
        (
            "no scale up stabilization, reuse recommendation element",
            &[(10, 10), (9, 9)],
            1,
            100,
            0,
            0,
            100,
        ),
        (
            "scale down stabilization, reuse one of obsolete recommendation element",
            &[(10, 10), (4, 1), (5, 2), (9, 9)],
            100,
            3,
            0,
            180,
            5,
        ),
        (
            "scale up stabilization, reuse one of obsolete recommendation element",
            &[(10, 100), (6, 1), (5, 2), (9, 3)],
            1,
            100,
            300,
            0,
            5,
        ),
    ];
    for &(name, recs, current, desired, up_s, down_s, want) in cases {
        let d = Behavior::default();
        let b = Behavior {
            up: Rules {
                stabilization_us: up_s * SEC,
                ..d.up
            },
            down: Rules {
                stabilization_us: down_s * SEC,
                ..d.down
            },
        };
        // Replay the earlier recommendations in time order.
        let mut earlier = recs.to_vec();
        earlier.sort_by_key(|&(_, ago)| std::cmp::Reverse(ago));
        let mut h = History::default();
        for (r, ago) in earlier {
            b.stabilize(&mut h, NOW - ago * 60 * SEC, r, r);
        }
        case(name, b.stabilize(&mut h, NOW, current, desired), want);
    }
}

// ---------------------------------------------------------------------------
// Not ported: the lab's deliberate difference.

/// Kubernetes truncates utilisation to a whole percent before comparing it
/// with the target; the lab keeps it exact. Three pods at 60.9 % against a
/// 55 % target: Kubernetes sees 60 % (a ratio of 1.091, within the
/// tolerance: 3 pods); the lab sees 1.107 and scales to 4.
#[test]
fn lab_keeps_utilisation_exact_where_kubernetes_truncates() {
    let pods = [Ready(0.609); 3];
    assert_eq!(resource(3, &pods, 55.0, TOL), 4);
    let truncated = [Ready(0.60); 3];
    assert_eq!(resource(3, &truncated, 55.0, TOL), 3);
}
