//! MPD's `status` and `currentsong` answers turned into dataset keys.

use crate::source::ramp::clock_text;
use crate::source::{Value, join_key};

fn get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.as_str())
}

fn number(text: Option<&str>) -> Value {
    let Some(t) = text else { return Value::Null };
    if let Ok(i) = t.parse::<i64>() {
        return Value::from(i);
    }
    t.parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map_or(Value::Null, Value::Number)
}

fn flag(text: Option<&str>) -> Value {
    Value::Bool(matches!(text, Some("1") | Some("oneshot")))
}

/// The leading number of a tag such as `3/12` (track 3 of 12).
fn leading_number(text: Option<&str>) -> Value {
    let digits: String = text
        .unwrap_or_default()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse::<i64>().map_or(Value::Null, Value::from)
}

/// The keys of a `status` answer under `ns`: state, volume, flags, bitrate, audio format,
/// playlist position and length, and MPD's elapsed as `elapsed` and `elapsed_reported`.
pub fn status_updates(ns: &str, pairs: &[(String, String)]) -> Vec<(String, Value)> {
    let k = |name: &str| join_key(ns, name);
    let state = get(pairs, "state").unwrap_or("stop");
    let elapsed = get(pairs, "elapsed")
        .and_then(|e| e.parse::<f64>().ok())
        .unwrap_or(0.0);
    let duration = get(pairs, "duration")
        .or_else(|| get(pairs, "time").and_then(|t| t.split(':').nth(1)))
        .and_then(|d| d.parse::<f64>().ok());
    let audio = get(pairs, "audio").unwrap_or_default();
    let mut parts = audio.split(':');
    let (rate, bits, channels) = (parts.next(), parts.next(), parts.next());
    let position = get(pairs, "song")
        .and_then(|s| s.parse::<i64>().ok())
        .map_or(Value::Null, |p| Value::from(p + 1));
    let elapsed_text = format!("{elapsed}");
    let elapsed_value = number(Some(elapsed_text.as_str()));
    let mut out = vec![
        (k("state"), Value::from(state)),
        (k("volume"), number(get(pairs, "volume"))),
        (k("repeat"), flag(get(pairs, "repeat"))),
        (k("random"), flag(get(pairs, "random"))),
        (k("single"), flag(get(pairs, "single"))),
        (k("consume"), flag(get(pairs, "consume"))),
        (k("bitrate"), number(get(pairs, "bitrate"))),
        (k("audio"), Value::from(audio)),
        (k("samplerate"), number(rate)),
        (k("bits"), number(bits.filter(|b| *b != "f"))),
        (k("channels"), number(channels)),
        (k("position"), position),
        (k("playlist_length"), number(get(pairs, "playlistlength"))),
        (k("elapsed_reported"), elapsed_value.clone()),
        (k("elapsed"), elapsed_value),
        (k("elapsed_text"), Value::from(clock_text(elapsed))),
    ];
    if let Some(d) = duration {
        let text = format!("{d}");
        out.push((k("duration"), number(Some(text.as_str()))));
        out.push((k("duration_text"), Value::from(clock_text(d))));
    }
    out
}

/// The keys of a `currentsong` answer under `ns`; tags the song lacks become `""` so a
/// new song never shows the last one's artist.
pub fn song_updates(ns: &str, pairs: &[(String, String)]) -> Vec<(String, Value)> {
    let k = |name: &str| join_key(ns, name);
    let text = |tag: &str| Value::from(get(pairs, tag).unwrap_or_default());
    let mut out = vec![
        (k("artist"), text("Artist")),
        (k("album_artist"), text("AlbumArtist")),
        (k("title"), text("Title")),
        (k("album"), text("Album")),
        (k("name"), text("Name")),
        (k("file"), text("file")),
        (k("date"), text("Date")),
        (k("genre"), text("Genre")),
        (k("track"), leading_number(get(pairs, "Track"))),
        (k("disc"), leading_number(get(pairs, "Disc"))),
    ];
    if let Some(d) = get(pairs, "duration")
        .or_else(|| get(pairs, "Time"))
        .and_then(|d| d.parse::<f64>().ok())
    {
        let text = format!("{d}");
        out.push((k("duration"), number(Some(text.as_str()))));
        out.push((k("duration_text"), Value::from(clock_text(d))));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pairs(text: &str) -> Vec<(String, String)> {
        text.lines()
            .filter_map(|l| l.split_once(": "))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    #[test]
    fn status_keys() {
        let s = pairs(
            "volume: 40\nrepeat: 1\nrandom: 0\nsingle: oneshot\nconsume: 0\nplaylistlength: 12\n\
             song: 2\nstate: play\nelapsed: 61.250\nduration: 200.000\nbitrate: 320\naudio: 44100:16:2\n",
        );
        let u: std::collections::HashMap<String, Value> =
            status_updates("mpd", &s).into_iter().collect();
        assert_eq!(u["mpd.state"], json!("play"));
        assert_eq!(u["mpd.volume"], json!(40));
        assert_eq!(u["mpd.repeat"], json!(true));
        assert_eq!(u["mpd.random"], json!(false));
        assert_eq!(u["mpd.single"], json!(true));
        assert_eq!(u["mpd.position"], json!(3));
        assert_eq!(u["mpd.playlist_length"], json!(12));
        assert_eq!(u["mpd.elapsed"], json!(61.25));
        assert_eq!(u["mpd.elapsed_text"], json!("1:01"));
        assert_eq!(u["mpd.duration_text"], json!("3:20"));
        assert_eq!(u["mpd.samplerate"], json!(44100));
        assert_eq!(u["mpd.channels"], json!(2));
        assert_eq!(u["mpd.bitrate"], json!(320));
    }

    #[test]
    fn song_keys_clear_missing_tags() {
        let s = pairs("file: radio.m3u\nName: Radio Paradise\nTrack: 3/12\nTime: 61\n");
        let u: std::collections::HashMap<String, Value> =
            song_updates("mpd", &s).into_iter().collect();
        assert_eq!(u["mpd.name"], json!("Radio Paradise"));
        assert_eq!(u["mpd.artist"], json!(""));
        assert_eq!(u["mpd.track"], json!(3));
        assert_eq!(u["mpd.disc"], Value::Null);
        assert_eq!(u["mpd.duration_text"], json!("1:01"));
    }
}
