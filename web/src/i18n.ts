// i18n.ts: every string the console shows, in English, Japanese and
// Korean, and the formatting of numbers, dates and coordinates in the
// chosen language. The language defaults to the browser's
// (navigator.languages); dates are shown in the user's time zone with UTC
// in the title attribute.

export type Lang = "en" | "ja" | "ko";
export const LANGS: Lang[] = ["en", "ja", "ko"];

const en = {
  app_title: "trilink operations console",
  skip_to_main: "Skip to content",
  lang_label: "Language",
  lang_name: "English",
  nation_label: "View as node",
  nation_jp: "Japan",
  nation_kr: "Republic of Korea",
  nation_us: "United States",
  nation_none: "none",
  tabs_label: "Panels",
  tab_events: "Events",
  tab_alerts: "Alerts",
  links_label: "Partner links of the {nation} node",
  link_to: "Link to {partner}: {state}",
  link_up: "up",
  link_degraded: "degraded",
  link_down: "down",
  link_unknown: "unknown",
  link_detail: "since {since}; last heartbeat {heartbeat}; {behind} messages behind",
  node_ready: "node ready",
  node_not_ready: "node not ready",
  digest_agree: "pictures agree",
  digest_differ: "pictures differ",
  digest_pending: "picture comparison pending",
  digest_unknown: "picture digest not published",
  digest_detail: "Picture digests: {list}",
  conn_live: "live",
  conn_connecting: "connecting…",
  conn_polling: "polling (no live stream)",
  conn_unreachable: "node unreachable",
  banner_unreachable: "The node is unreachable. Retrying automatically; the data shown may be out of date.",
  banner_last_contact: "Last contact: {time}.",
  never: "never",
  map_label: "Map of the theatre: launches, tracks, predicted impact areas, alerted regions and sensors",
  layers_label: "Map layers",
  zoom_in: "Zoom in",
  zoom_out: "Zoom out",
  layer_regions: "Region outlines",
  layer_eez: "EEZ limits",
  layer_sensors: "Sensor sites",
  layer_coverage: "Sensor coverage",
  layer_alerted: "Alerted regions",
  layer_events: "Launches and tracks",
  map_attribution: "Map data",
  sensor_radar: "radar",
  sensor_space_ir: "space-based infrared",
  sensor_tip: "{name} ({nation}, {kind}); range {range}",
  sensor_global: "global",
  event_tip: "{id}: {class}, {state}",
  launch_tip: "Launch point of {id} (±{err})",
  impact_tip: "Predicted impact of {id}: 95 % ellipse {major} × {minor}",
  region_tip: "{name}: {kind}",
  events_heading: "Launch events",
  events_empty: "No launch events yet. New launches appear here and on the map as soon as any nation's sensors see them.",
  events_unavailable: "This node does not serve launch events yet.",
  events_count: "{n} events",
  timeline_label: "Timeline of launches (launch to impact)",
  timeline_empty: "No launches to show on the timeline.",
  col_event: "Event",
  col_launch: "Launch",
  col_class: "Class",
  col_state: "State",
  col_apogee: "Apogee",
  col_range: "Range",
  col_impact: "Impact area",
  state_detected: "detected",
  state_tracking: "tracking",
  state_impact_predicted: "impact predicted",
  state_impacted: "impacted",
  state_lost: "lost",
  state_closed: "closed",
  state_unknown: "unknown",
  class_SRBM: "short-range ballistic missile (SRBM)",
  class_MRBM: "medium-range ballistic missile (MRBM)",
  class_IRBM: "intermediate-range ballistic missile (IRBM)",
  class_ICBM: "intercontinental ballistic missile (ICBM)",
  class_unknown: "not yet classified",
  traj_minimum_energy: "minimum-energy",
  traj_lofted: "lofted",
  traj_depressed: "depressed",
  traj_irregular: "irregular (non-ballistic)",
  zone_land: "land territory",
  zone_territorial_sea: "territorial sea",
  zone_eez: "exclusive economic zone (EEZ)",
  zone_high_seas: "high seas",
  zone_of: "{nation}: {kind}",
  zone_outside: "outside any EEZ of the three nations",
  back_to_events: "All events",
  event_heading: "Launch event {id}",
  event_not_found: "This node has no event {id}.",
  loading: "Loading…",
  figures_heading: "Figures",
  fig_launch_time: "Launch time",
  fig_launch_point: "Launch point",
  fig_number: "Missiles launched",
  fig_class: "Type",
  fig_trajectory: "Trajectory",
  fig_apogee: "Apogee",
  fig_range: "Range",
  fig_flight_time: "Flight time",
  fig_impact_time: "Impact time",
  fig_impact_point: "Impact point",
  fig_impact_zone: "Impact area",
  fig_ellipse: "Impact ellipse (95 %)",
  fig_overflight: "Overflight",
  fig_first_detection: "First detection",
  fig_first_estimate: "First impact estimate",
  fig_sources: "Data from",
  fig_measurements: "Measurements fused",
  fig_state: "State",
  number_in_salvo: "{n} (launches within {min} minutes of this one)",
  err_radius: "±{km}",
  ellipse_fmt: "{major} × {minor}, major axis at {bearing}°",
  overflight_none: "none",
  overflight_row: "{region} ({nation}): {enter} – {exit}, lowest altitude {alt}",
  after_launch: "{s} after launch",
  not_yet: "not yet estimated",
  convergence_heading: "How the estimates converged",
  convergence_empty: "No estimates yet.",
  conv_time: "Time",
  plots_heading: "Plots",
  plot_alt_time: "Altitude against time",
  plot_alt_range: "Altitude against ground range",
  plot_ellipse: "Impact-ellipse size against time",
  plot_no_data: "No data yet.",
  axis_time: "time after launch (s)",
  axis_alt: "altitude (km)",
  axis_range: "ground range from launch point (km)",
  axis_ellipse: "axis length (km)",
  series_track: "tracked",
  series_predicted: "predicted",
  series_major: "major axis",
  series_minor: "minor axis",
  unit_km: "{n} km",
  unit_s: "{n} s",
  unit_min_s: "{m} min {s} s",
  lat_n: "{v}° N",
  lat_s: "{v}° S",
  lon_e: "{v}° E",
  lon_w: "{v}° W",
  latlon: "{lat}, {lon}",
  alerts_heading: "Alerts at the {nation} node",
  alerts_empty: "No alerts.",
  alerts_unavailable: "This node does not serve alerts yet.",
  alerts_sent: "Sent by this nation",
  alerts_received: "Received from partners",
  alert_drill: "DRILL",
  alert_actual: "ACTUAL",
  alert_drill_note: "Exercise message: not a real warning",
  msg_Alert: "Alert",
  msg_Update: "Update",
  msg_Cancel: "Cancel",
  kind_take_shelter: "Take shelter",
  kind_passed_over: "Passed over",
  kind_landed: "Landed",
  kind_all_clear: "All clear",
  alert_origin: "From {nation}",
  alert_sent_at: "Sent {time}",
  alert_regions: "Regions",
  alert_event: "Event",
  alert_acks: "Acknowledged by",
  acks_none: "no acknowledgement yet",
  ack_row: "{nation} at {time}",
  view_cap: "View CAP document",
  cap_title: "CAP document {id}",
  cap_error: "Could not load the CAP document: {err}",
  close: "Close",
  footer_status: "Backbone status",
  footer_version: "trilink {version}",
  footer_data: "Map data: see the attribution on the map",
  error_prefix: "Error: {err}",
} as const;

export type Key = keyof typeof en;
type Dict = Record<Key, string>;

const ja: Dict = {
  app_title: "trilink 運用コンソール",
  skip_to_main: "本文へ移動",
  lang_label: "言語",
  lang_name: "日本語",
  nation_label: "表示するノード",
  nation_jp: "日本",
  nation_kr: "韓国",
  nation_us: "米国",
  nation_none: "なし",
  tabs_label: "パネル",
  tab_events: "事象",
  tab_alerts: "警報",
  links_label: "{nation}ノードの相手国リンク",
  link_to: "{partner}とのリンク：{state}",
  link_up: "正常",
  link_degraded: "劣化",
  link_down: "断",
  link_unknown: "不明",
  link_detail: "{since}から。最終ハートビート {heartbeat}。未着 {behind} 件",
  node_ready: "ノード稼働中",
  node_not_ready: "ノード準備未完了",
  digest_agree: "状況図一致",
  digest_differ: "状況図不一致",
  digest_pending: "状況図照合待ち",
  digest_unknown: "状況図ダイジェスト未公開",
  digest_detail: "状況図ダイジェスト：{list}",
  conn_live: "ライブ",
  conn_connecting: "接続中…",
  conn_polling: "定期取得中（ライブ配信なし）",
  conn_unreachable: "ノードに接続できません",
  banner_unreachable: "ノードに接続できません。自動的に再試行しています。表示中のデータは古い可能性があります。",
  banner_last_contact: "最終接続：{time}。",
  never: "なし",
  map_label: "戦域地図：発射、航跡、予測落下域、警報対象地域、センサー",
  layers_label: "地図レイヤー",
  zoom_in: "拡大",
  zoom_out: "縮小",
  layer_regions: "地域の境界",
  layer_eez: "EEZの限界線",
  layer_sensors: "センサー所在地",
  layer_coverage: "センサー覆域",
  layer_alerted: "警報対象地域",
  layer_events: "発射と航跡",
  map_attribution: "地図データ",
  sensor_radar: "レーダー",
  sensor_space_ir: "宇宙赤外線",
  sensor_tip: "{name}（{nation}、{kind}）、探知距離 {range}",
  sensor_global: "全域",
  event_tip: "{id}：{class}、{state}",
  launch_tip: "{id}の発射地点（±{err}）",
  impact_tip: "{id}の予測落下点：95%楕円 {major} × {minor}",
  region_tip: "{name}：{kind}",
  events_heading: "発射事象",
  events_empty: "発射事象はまだありません。いずれかの国のセンサーが探知すると、ここと地図に直ちに表示されます。",
  events_unavailable: "このノードはまだ発射事象を提供していません。",
  events_count: "{n}件",
  timeline_label: "発射の時系列（発射から落下まで）",
  timeline_empty: "時系列に表示する発射はありません。",
  col_event: "事象",
  col_launch: "発射",
  col_class: "種別",
  col_state: "状態",
  col_apogee: "最高高度",
  col_range: "飛翔距離",
  col_impact: "落下区域",
  state_detected: "探知",
  state_tracking: "追尾中",
  state_impact_predicted: "落下予測済み",
  state_impacted: "落下",
  state_lost: "失探",
  state_closed: "終了",
  state_unknown: "不明",
  class_SRBM: "短距離弾道ミサイル（SRBM）",
  class_MRBM: "準中距離弾道ミサイル（MRBM）",
  class_IRBM: "中距離弾道ミサイル（IRBM）",
  class_ICBM: "大陸間弾道ミサイル（ICBM）",
  class_unknown: "未分類",
  traj_minimum_energy: "最小エネルギー軌道",
  traj_lofted: "ロフテッド軌道",
  traj_depressed: "ディプレスト軌道",
  traj_irregular: "変則軌道（非弾道）",
  zone_land: "領土",
  zone_territorial_sea: "領海",
  zone_eez: "排他的経済水域（EEZ）",
  zone_high_seas: "公海",
  zone_of: "{nation}の{kind}",
  zone_outside: "3か国のEEZ外",
  back_to_events: "事象一覧",
  event_heading: "発射事象 {id}",
  event_not_found: "このノードに事象 {id} はありません。",
  loading: "読み込み中…",
  figures_heading: "諸元",
  fig_launch_time: "発射時刻",
  fig_launch_point: "発射地点",
  fig_number: "発射数",
  fig_class: "種類",
  fig_trajectory: "軌道",
  fig_apogee: "最高高度",
  fig_range: "飛翔距離",
  fig_flight_time: "飛翔時間",
  fig_impact_time: "落下時刻",
  fig_impact_point: "落下地点",
  fig_impact_zone: "落下区域",
  fig_ellipse: "落下誤差楕円（95%）",
  fig_overflight: "上空通過",
  fig_first_detection: "初探知",
  fig_first_estimate: "初回の落下予測",
  fig_sources: "データ提供国",
  fig_measurements: "融合した計測数",
  fig_state: "状態",
  number_in_salvo: "{n}発（この発射の前後{min}分以内）",
  err_radius: "±{km}",
  ellipse_fmt: "{major} × {minor}、長軸方位 {bearing}°",
  overflight_none: "なし",
  overflight_row: "{region}（{nation}）：{enter} – {exit}、最低高度 {alt}",
  after_launch: "発射後 {s}",
  not_yet: "未推定",
  convergence_heading: "推定値の収束",
  convergence_empty: "推定値はまだありません。",
  conv_time: "時刻",
  plots_heading: "グラフ",
  plot_alt_time: "高度と時間",
  plot_alt_range: "高度と地上距離",
  plot_ellipse: "落下誤差楕円の大きさと時間",
  plot_no_data: "データはまだありません。",
  axis_time: "発射後の時間（秒）",
  axis_alt: "高度（km）",
  axis_range: "発射地点からの地上距離（km）",
  axis_ellipse: "軸の長さ（km）",
  series_track: "追尾",
  series_predicted: "予測",
  series_major: "長軸",
  series_minor: "短軸",
  unit_km: "{n} km",
  unit_s: "{n}秒",
  unit_min_s: "{m}分{s}秒",
  lat_n: "北緯{v}度",
  lat_s: "南緯{v}度",
  lon_e: "東経{v}度",
  lon_w: "西経{v}度",
  latlon: "{lat} {lon}",
  alerts_heading: "{nation}ノードの警報",
  alerts_empty: "警報はありません。",
  alerts_unavailable: "このノードはまだ警報を提供していません。",
  alerts_sent: "自国が発出",
  alerts_received: "相手国から受信",
  alert_drill: "訓練",
  alert_actual: "実報",
  alert_drill_note: "訓練用の電文です。実際の警報ではありません",
  msg_Alert: "発表",
  msg_Update: "更新",
  msg_Cancel: "取消",
  kind_take_shelter: "避難",
  kind_passed_over: "通過",
  kind_landed: "落下",
  kind_all_clear: "解除",
  alert_origin: "発出国：{nation}",
  alert_sent_at: "発出 {time}",
  alert_regions: "対象地域",
  alert_event: "事象",
  alert_acks: "受領確認",
  acks_none: "受領確認なし",
  ack_row: "{nation}（{time}）",
  view_cap: "CAP文書を表示",
  cap_title: "CAP文書 {id}",
  cap_error: "CAP文書を読み込めませんでした：{err}",
  close: "閉じる",
  footer_status: "基盤の状態",
  footer_version: "trilink {version}",
  footer_data: "地図データの出典は地図上に表示",
  error_prefix: "エラー：{err}",
};

const ko: Dict = {
  app_title: "trilink 운용 콘솔",
  skip_to_main: "본문으로 건너뛰기",
  lang_label: "언어",
  lang_name: "한국어",
  nation_label: "표시할 노드",
  nation_jp: "일본",
  nation_kr: "대한민국",
  nation_us: "미국",
  nation_none: "없음",
  tabs_label: "패널",
  tab_events: "사건",
  tab_alerts: "경보",
  links_label: "{nation} 노드의 상대국 링크",
  link_to: "{partner} 링크: {state}",
  link_up: "정상",
  link_degraded: "저하",
  link_down: "단절",
  link_unknown: "알 수 없음",
  link_detail: "{since}부터; 마지막 하트비트 {heartbeat}; 미수신 {behind}건",
  node_ready: "노드 정상",
  node_not_ready: "노드 준비 안 됨",
  digest_agree: "상황도 일치",
  digest_differ: "상황도 불일치",
  digest_pending: "상황도 대조 대기",
  digest_unknown: "상황도 다이제스트 미공개",
  digest_detail: "상황도 다이제스트: {list}",
  conn_live: "실시간",
  conn_connecting: "연결 중…",
  conn_polling: "주기 조회 중(실시간 스트림 없음)",
  conn_unreachable: "노드에 연결할 수 없음",
  banner_unreachable: "노드에 연결할 수 없습니다. 자동으로 다시 시도하고 있으며, 표시된 데이터는 최신이 아닐 수 있습니다.",
  banner_last_contact: "마지막 연결: {time}.",
  never: "없음",
  map_label: "작전 지역 지도: 발사, 항적, 예상 낙하 구역, 경보 지역, 센서",
  layers_label: "지도 레이어",
  zoom_in: "확대",
  zoom_out: "축소",
  layer_regions: "지역 경계",
  layer_eez: "EEZ 한계선",
  layer_sensors: "센서 위치",
  layer_coverage: "센서 탐지 범위",
  layer_alerted: "경보 지역",
  layer_events: "발사와 항적",
  map_attribution: "지도 데이터",
  sensor_radar: "레이더",
  sensor_space_ir: "우주 적외선",
  sensor_tip: "{name}({nation}, {kind}), 탐지 거리 {range}",
  sensor_global: "전역",
  event_tip: "{id}: {class}, {state}",
  launch_tip: "{id} 발사 지점(±{err})",
  impact_tip: "{id} 예상 낙하: 95% 타원 {major} × {minor}",
  region_tip: "{name}: {kind}",
  events_heading: "발사 사건",
  events_empty: "아직 발사 사건이 없습니다. 어느 나라의 센서든 탐지하는 즉시 여기와 지도에 표시됩니다.",
  events_unavailable: "이 노드는 아직 발사 사건을 제공하지 않습니다.",
  events_count: "{n}건",
  timeline_label: "발사 시간표(발사부터 낙하까지)",
  timeline_empty: "시간표에 표시할 발사가 없습니다.",
  col_event: "사건",
  col_launch: "발사",
  col_class: "유형",
  col_state: "상태",
  col_apogee: "최고 고도",
  col_range: "비행 거리",
  col_impact: "낙하 구역",
  state_detected: "탐지",
  state_tracking: "추적 중",
  state_impact_predicted: "낙하 예측",
  state_impacted: "낙하",
  state_lost: "소실",
  state_closed: "종료",
  state_unknown: "알 수 없음",
  class_SRBM: "단거리 탄도미사일(SRBM)",
  class_MRBM: "준중거리 탄도미사일(MRBM)",
  class_IRBM: "중거리 탄도미사일(IRBM)",
  class_ICBM: "대륙간 탄도미사일(ICBM)",
  class_unknown: "미분류",
  traj_minimum_energy: "최소 에너지 궤도",
  traj_lofted: "고각 궤도",
  traj_depressed: "저각 궤도",
  traj_irregular: "변칙 궤도(비탄도)",
  zone_land: "영토",
  zone_territorial_sea: "영해",
  zone_eez: "배타적 경제수역(EEZ)",
  zone_high_seas: "공해",
  zone_of: "{nation} {kind}",
  zone_outside: "3국 EEZ 밖",
  back_to_events: "사건 목록",
  event_heading: "발사 사건 {id}",
  event_not_found: "이 노드에는 사건 {id}이(가) 없습니다.",
  loading: "불러오는 중…",
  figures_heading: "제원",
  fig_launch_time: "발사 시각",
  fig_launch_point: "발사 지점",
  fig_number: "발사 수",
  fig_class: "종류",
  fig_trajectory: "궤도",
  fig_apogee: "최고 고도",
  fig_range: "비행 거리",
  fig_flight_time: "비행 시간",
  fig_impact_time: "낙하 시각",
  fig_impact_point: "낙하 지점",
  fig_impact_zone: "낙하 구역",
  fig_ellipse: "낙하 오차 타원(95%)",
  fig_overflight: "상공 통과",
  fig_first_detection: "최초 탐지",
  fig_first_estimate: "최초 낙하 예측",
  fig_sources: "데이터 제공국",
  fig_measurements: "융합한 측정 수",
  fig_state: "상태",
  number_in_salvo: "{n}발(이 발사 전후 {min}분 이내)",
  err_radius: "±{km}",
  ellipse_fmt: "{major} × {minor}, 장축 방위 {bearing}°",
  overflight_none: "없음",
  overflight_row: "{region}({nation}): {enter} – {exit}, 최저 고도 {alt}",
  after_launch: "발사 후 {s}",
  not_yet: "아직 추정 안 됨",
  convergence_heading: "추정값의 수렴",
  convergence_empty: "아직 추정값이 없습니다.",
  conv_time: "시각",
  plots_heading: "그래프",
  plot_alt_time: "시간에 따른 고도",
  plot_alt_range: "지상 거리에 따른 고도",
  plot_ellipse: "시간에 따른 낙하 오차 타원 크기",
  plot_no_data: "아직 데이터가 없습니다.",
  axis_time: "발사 후 시간(초)",
  axis_alt: "고도(km)",
  axis_range: "발사 지점으로부터 지상 거리(km)",
  axis_ellipse: "축 길이(km)",
  series_track: "추적",
  series_predicted: "예측",
  series_major: "장축",
  series_minor: "단축",
  unit_km: "{n} km",
  unit_s: "{n}초",
  unit_min_s: "{m}분 {s}초",
  lat_n: "북위 {v}°",
  lat_s: "남위 {v}°",
  lon_e: "동경 {v}°",
  lon_w: "서경 {v}°",
  latlon: "{lat}, {lon}",
  alerts_heading: "{nation} 노드의 경보",
  alerts_empty: "경보가 없습니다.",
  alerts_unavailable: "이 노드는 아직 경보를 제공하지 않습니다.",
  alerts_sent: "자국 발령",
  alerts_received: "상대국으로부터 수신",
  alert_drill: "훈련",
  alert_actual: "실제",
  alert_drill_note: "훈련용 전문입니다. 실제 경보가 아닙니다",
  msg_Alert: "발령",
  msg_Update: "갱신",
  msg_Cancel: "취소",
  kind_take_shelter: "대피",
  kind_passed_over: "상공 통과",
  kind_landed: "낙하",
  kind_all_clear: "해제",
  alert_origin: "발령국: {nation}",
  alert_sent_at: "발령 {time}",
  alert_regions: "대상 지역",
  alert_event: "사건",
  alert_acks: "수신 확인",
  acks_none: "아직 수신 확인 없음",
  ack_row: "{nation}({time})",
  view_cap: "CAP 문서 보기",
  cap_title: "CAP 문서 {id}",
  cap_error: "CAP 문서를 불러오지 못했습니다: {err}",
  close: "닫기",
  footer_status: "기반망 상태",
  footer_version: "trilink {version}",
  footer_data: "지도 데이터 출처는 지도에 표시",
  error_prefix: "오류: {err}",
};

export const DICTS: Record<Lang, Dict> = { en, ja, ko };

let lang: Lang = "en";
const listeners: (() => void)[] = [];

/** pickLang returns the first of the browser's languages the console has, or English. */
export function pickLang(prefs: readonly string[]): Lang {
  for (const p of prefs) {
    const base = p.toLowerCase().split("-")[0];
    if ((LANGS as string[]).includes(base)) return base as Lang;
  }
  return "en";
}

export function currentLang(): Lang {
  return lang;
}

export function setLang(l: Lang): void {
  lang = l;
  if (typeof document !== "undefined") document.documentElement.lang = l;
  for (const f of listeners) f();
}

export function onLangChange(f: () => void): void {
  listeners.push(f);
}

/** t returns the string for key in the current language, with {name} placeholders filled. */
export function t(key: Key, params?: Record<string, string | number>, l: Lang = lang): string {
  const s = DICTS[l][key] ?? en[key];
  if (!params) return s;
  return s.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

const locales: Record<Lang, string> = { en: "en-GB", ja: "ja-JP", ko: "ko-KR" };

/** num formats a number with at most digits fraction digits. */
export function num(v: number, digits = 0, minDigits = 0): string {
  return new Intl.NumberFormat(locales[lang], { maximumFractionDigits: digits, minimumFractionDigits: minDigits }).format(v);
}

export function km(v: number | undefined, digits = 0): string {
  if (v === undefined || v === null || !Number.isFinite(v)) return "—";
  return t("unit_km", { n: num(v, digits) });
}

export function seconds(v: number | undefined): string {
  if (v === undefined || v === null || !Number.isFinite(v)) return "—";
  if (Math.abs(v) < 120) return t("unit_s", { n: num(v, v < 10 ? 1 : 0) });
  const m = Math.floor(v / 60);
  return t("unit_min_s", { m: num(m), s: num(Math.round(v - m * 60)) });
}

/** validTime reports whether iso is a real time (not absent nor Go's zero time). */
export function validTime(iso: string | undefined): iso is string {
  return !!iso && !iso.startsWith("0001-") && Number.isFinite(Date.parse(iso));
}

/** utc returns the UTC form of a time for a title attribute: "2022-10-03 22:22:47 UTC". */
export function utc(iso: string): string {
  const d = new Date(iso);
  return d.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC").replace(/Z$/, " UTC");
}

/** dateTime formats a time in the user's time zone and language, with seconds. */
export function dateTime(iso: string | undefined, withDate = true): string {
  if (!validTime(iso)) return t("never");
  const d = new Date(iso);
  const opts: Intl.DateTimeFormatOptions = withDate
    ? { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", timeZoneName: "short" }
    : { hour: "2-digit", minute: "2-digit", second: "2-digit" };
  return new Intl.DateTimeFormat(locales[lang], opts).format(d);
}

/** timeEl returns a <time> element: local time shown, UTC on hover. */
export function timeEl(iso: string | undefined, withDate = true): HTMLElement {
  const e = document.createElement("time");
  e.textContent = dateTime(iso, withDate);
  if (validTime(iso)) {
    e.dateTime = iso;
    e.title = utc(iso);
  }
  return e;
}

function coord(v: number, pos: Key, neg: Key): string {
  return t(v >= 0 ? pos : neg, { v: num(Math.abs(v), 2, 2) });
}

/** latLon formats a position in the current language (longitude in [-180, 180]). */
export function latLon(lat: number | undefined, lon: number | undefined): string {
  if (lat === undefined || lon === undefined || !Number.isFinite(lat) || !Number.isFinite(lon)) return "—";
  let l = ((lon + 180) % 360 + 360) % 360 - 180;
  if (l === -180) l = 180;
  return t("latlon", { lat: coord(lat, "lat_n", "lat_s"), lon: coord(l, "lon_e", "lon_w") });
}

export function nationName(n: string | undefined): string {
  if (n === "jp" || n === "kr" || n === "us") return t(`nation_${n}`);
  return n ? n.toUpperCase() : t("nation_none");
}

/** text3 picks the current language from a {en, ja, ko} value, falling back to English, then any. */
export function text3(v: { en?: string; ja?: string; ko?: string } | undefined): string {
  if (!v) return "";
  return v[lang] || v.en || v.ja || v.ko || "";
}
