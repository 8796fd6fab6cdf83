//! Human-readable ages the way Kubernetes prints them (`5s`, `3m2s`,
//! `2d3h`): the server fills Age cells of Tables with it and `rdd ctl`
//! prints watch rows with it, so both must agree with kube-apiserver's
//! `duration.HumanDuration` to the character.

/// `HumanDuration` of k8s.io/apimachinery for a signed number of seconds.
/// Up to one second in the future counts as now (clock skew).
pub fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".to_owned();
    }
    if seconds < 0 {
        return "0s".to_owned();
    }
    if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 { format!("{minutes}m") } else { format!("{minutes}m{s}s") };
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = seconds / 3600;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 { format!("{hours}h") } else { format!("{hours}h{m}m") };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 { format!("{}d", hours / 24) } else { format!("{}d{h}h", hours / 24) };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let days = (hours / 24) % 365;
        return if days == 0 { format!("{}y", hours / 24 / 365) } else { format!("{}y{days}d", hours / 24 / 365) };
    }
    format!("{}y", hours / 24 / 365)
}

#[cfg(test)]
mod tests {
    use super::human_duration;

    #[test]
    fn matches_kubernetes_human_duration() {
        let minute = 60;
        let hour = 60 * minute;
        let day = 24 * hour;
        let year = 365 * day;
        for (seconds, want) in [
            (-2, "<invalid>"),
            (-1, "0s"),
            (0, "0s"),
            (5, "5s"),
            (119, "119s"),
            (2 * minute, "2m"),
            (3 * minute + 2, "3m2s"),
            (9 * minute + 59, "9m59s"),
            (10 * minute + 30, "10m"),
            (179 * minute, "179m"),
            (3 * hour, "3h"),
            (7 * hour + 59 * minute, "7h59m"),
            (8 * hour + 30 * minute, "8h"),
            (47 * hour, "47h"),
            (2 * day + 3 * hour, "2d3h"),
            (7 * day, "7d"),
            (8 * day + 5 * hour, "8d"),
            (729 * day, "729d"),
            (2 * year + 10 * day, "2y10d"),
            (3 * year, "3y"),
            (9 * year, "9y"),
        ] {
            assert_eq!(human_duration(seconds), want, "{seconds}s");
        }
    }
}
