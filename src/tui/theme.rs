//! Every colour and text style the UI uses. Each OSI layer has one colour, used for it
//! everywhere: the list's protocol column, the tree, the hex highlight and the timeline tags.

use ratatui::style::{Color, Modifier, Style};

use crate::osi::OsiLayer;

pub fn layer(osi: OsiLayer) -> Color {
    match osi {
        OsiLayer::Application => Color::LightMagenta,
        OsiLayer::Presentation => Color::LightRed,
        OsiLayer::Session => Color::Yellow,
        OsiLayer::Transport => Color::LightGreen,
        OsiLayer::Network => Color::LightCyan,
        OsiLayer::DataLink => Color::LightBlue,
        OsiLayer::Physical => Color::Gray,
    }
}

/// A layer's colour for an OSI number from a timeline event (1 to 7).
pub fn layer_number(number: u8) -> Color {
    OsiLayer::from_number(number).map_or(Color::Gray, layer)
}

pub fn title() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

pub fn header() -> Style {
    Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
}

pub fn dim() -> Style {
    Style::new().fg(Color::DarkGray)
}

/// The selected line of the pane the keys move in.
pub fn selected() -> Style {
    Style::new().add_modifier(Modifier::REVERSED)
}

/// The selected line of a pane the keys do not move in.
pub fn selected_elsewhere() -> Style {
    Style::new().add_modifier(Modifier::UNDERLINED | Modifier::BOLD)
}

pub fn active_tab() -> Style {
    Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
}

pub fn warning() -> Style {
    Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)
}

pub fn error() -> Style {
    Style::new().fg(Color::White).bg(Color::Red).add_modifier(Modifier::BOLD)
}

/// Bytes of the selected field in the hex dump.
pub fn highlight(osi: OsiLayer) -> Style {
    Style::new().fg(Color::Black).bg(layer(osi))
}

pub fn client() -> Style {
    Style::new().fg(Color::LightCyan)
}

pub fn server() -> Style {
    Style::new().fg(Color::LightYellow)
}

/// Bars of the Compare view: request and response.
pub fn request_bar() -> Style {
    Style::new().fg(Color::LightCyan)
}

pub fn response_bar() -> Style {
    Style::new().fg(Color::LightGreen)
}

/// The filter line's text while typed: it parses.
pub fn valid() -> Style {
    Style::new().fg(Color::Green)
}

/// The filter line's text while typed: it does not parse (yet).
pub fn invalid() -> Style {
    Style::new().fg(Color::Red)
}

/// A marked packet's row (`m`), as Wireshark draws marked packets: reversed.
pub fn marked() -> Style {
    Style::new().fg(Color::Black).bg(Color::White)
}
