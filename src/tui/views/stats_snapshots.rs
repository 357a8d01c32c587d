//! Every page of the Statistics view, drawn at 80x24 and 160x48 on the course capture of every
//! variant and on the public TLS 1.3 capture; insta compares them with the snapshots beside
//! this file.

use crate::tui::app::{Action, App, View};
use crate::tui::state::StatsPage;
use crate::tui::testing::{self, COURSE, TLS13, bundled, draw};

/// The app on `capture` at `size`, counted, on `page`; `then` after that.
fn on_page(capture: &str, size: (u16, u16), page: StatsPage, then: &[fn() -> Action]) -> App {
    let (source, keylog) = bundled(capture);
    let mut app = testing::app(capture, size);
    app.update(Action::Show(View::Statistics));
    testing::serve(&mut app, &source, &keylog);
    while app.stats.page != page {
        app.update(Action::StatsPage { next: true });
    }
    for action in then {
        app.update(action());
    }
    app
}

macro_rules! pages {
    ($name:ident, $capture:expr) => {
        #[test]
        fn $name() {
            // Conversations and endpoints of IPv4 (the second kind), the first row selected.
            let pages: [(StatsPage, &[fn() -> Action]); 6] = [
                (StatsPage::Properties, &[]),
                (StatsPage::Hierarchy, &[|| Action::Down]),
                (StatsPage::Conversations, &[|| Action::StatsKind]),
                (StatsPage::Endpoints, &[|| Action::StatsKind, || Action::StatsKind, || Action::StatsKind]),
                (StatsPage::Io, &[]),
                (StatsPage::Notes, &[]),
            ];
            for (page, then) in pages {
                for (label, size) in [("80x24", (80, 24)), ("wide", (160, 48))] {
                    let app = on_page($capture, size, page, then);
                    let name =
                        format!("{}_{}_{label}", stringify!($name), page.title().replace(['/', ' '], "_"));
                    insta::assert_snapshot!(name, draw(&app));
                }
            }
        }
    };
}

pages!(stats_course, COURSE);
pages!(stats_tls13, TLS13);
