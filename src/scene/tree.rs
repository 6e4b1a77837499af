//! The widget tree's compile: each widget checked by its kind, placed in its parent,
//! checked against its parent's area, and its children compiled in turn.

use super::compile::CompiledWidget;
use crate::problem::join;
use crate::render::Rect;
use crate::render::compose::Placement;
use crate::widget::compile::Ctx;
use crate::widget::kind::{Children, PageList, WidgetSpec};

/// Compiles a widget's pages (see [`Children::Pages`]): each an area of the widget's
/// size, its own fields checked by its kind, its widgets as any widget's children.
fn compile_pages(
    pages: &dyn PageList,
    path: &str,
    size: (u32, u32),
    ctx: &mut Ctx,
) -> Vec<CompiledWidget> {
    let mut out = Vec::new();
    for (i, page) in pages.pages().into_iter().enumerate() {
        let page_path = format!("{path}.pages[{i}]");
        ctx.path = page_path.clone();
        ctx.label = format!("Page {page_path}");
        ctx.bindings.clear();
        let kind = page.compile(ctx, size);
        let bindings = std::mem::take(&mut ctx.bindings);
        let area = Rect::new(0, 0, size.0, size.1);
        let children = compile_list(
            page.children(),
            &join(&page_path, "children"),
            area,
            true,
            ctx,
        );
        out.push(CompiledWidget {
            name: page.name().map(str::to_string),
            placement: Placement {
                order: i as u32,
                ..Placement::default()
            },
            visible: i == 0,
            kind,
            children,
            bindings,
            slide: None,
            run: None,
        });
    }
    out
}

pub(super) fn compile_list(
    specs: &[WidgetSpec],
    path: &str,
    parent: Rect,
    in_canvas: bool,
    ctx: &mut Ctx,
) -> Vec<CompiledWidget> {
    specs
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            ctx.path = format!("{path}[{i}]");
            compile_widget(spec, i as u32, parent, in_canvas, ctx)
        })
        .collect()
}

fn compile_widget(
    spec: &WidgetSpec,
    order: u32,
    parent: Rect,
    in_canvas: bool,
    ctx: &mut Ctx,
) -> CompiledWidget {
    let common = spec.common();
    ctx.bindings.clear();
    ctx.label = match spec.name() {
        Some(n) => format!("{} {n:?}", spec.kind_name()),
        None => format!("{} {}", spec.kind_name(), ctx.path),
    };
    if let Some(when) = &common.when {
        ctx.bind_expression("when", "when", when, serde_json::Value::Bool(false));
    }
    if let Some(run_when) = &common.run_when {
        ctx.bind_expression(
            "run_when",
            "run_when",
            run_when,
            serde_json::Value::Bool(false),
        );
    }
    let mut placement = Placement {
        x: common.x,
        y: common.y,
        anchor: common.anchor,
        z: common.z,
        order,
    };
    let kind = spec.0.compile(ctx, &mut placement);
    let bindings = std::mem::take(&mut ctx.bindings);
    // Content that comes from data has no size yet: only fixed content is checked.
    let sized_by_data = bindings.iter().any(|b| matches!(b.target, "text" | "file"));
    let (w, h) = kind.size();
    check_area(&placement, (w, h), parent, in_canvas, sized_by_data, ctx);
    let children = compile_children(spec.children(), parent, (w, h), ctx);
    CompiledWidget {
        name: spec.name().map(str::to_string),
        placement,
        visible: common.visible,
        kind,
        children,
        bindings,
        slide: common.slide,
        run: common.run_when.is_some().then_some(common.hold),
    }
}

/// Reports a widget over the per-widget pixel limit, one entirely outside its parent
/// and one past the display's edge (a canvas clips on purpose, so that is not reported).
fn check_area(
    placement: &Placement,
    (w, h): (u32, u32),
    parent: Rect,
    in_canvas: bool,
    sized_by_data: bool,
    ctx: &mut Ctx,
) {
    let pixels = u64::from(w) * u64::from(h);
    if pixels > ctx.limits.layer_pixels {
        ctx.error(
            None,
            format!(
                "this widget is {w}×{h} = {pixels} pixels, over the limit of {} pixels per widget (limits.layer_pixels); make it smaller",
                ctx.limits.layer_pixels
            ),
        );
    }
    let (x, y) = placement
        .anchor
        .place(placement.x, placement.y, w, h, (parent.w, parent.h));
    let own = Rect::new(x, y, w, h);
    let local_parent = Rect::new(0, 0, parent.w, parent.h);
    // Content sized by data, and empty content, are checked when there is something to see.
    let checkable = !sized_by_data && !own.is_empty();
    if checkable && !own.overlaps(&local_parent) {
        ctx.error(None, format!(
            "this widget ({w}×{h} at {x},{y}) lies entirely outside its parent ({}×{}) and would never be seen",
            parent.w, parent.h
        ));
    } else if checkable && !in_canvas && !local_parent.contains_rect(&own) {
        ctx.warn(None, format!(
            "this widget ({w}×{h} at {x},{y}) extends past the display ({}×{}) and is clipped; put it in a Canvas if that is meant",
            parent.w, parent.h
        ));
    }
}

/// The children of a widget: a stack's against its parent (it has no size of its own),
/// pages (a sequence's), a marquee's one scrolled child, others inside the widget.
fn compile_children(
    children: Children,
    parent: Rect,
    (w, h): (u32, u32),
    ctx: &mut Ctx,
) -> Vec<CompiledWidget> {
    let my_path = ctx.path.clone();
    match children {
        Children::None => Vec::new(),
        Children::Beside(specs) => {
            compile_list(specs, &join(&my_path, "children"), parent, true, ctx)
        }
        Children::Pages(pages) => compile_pages(pages, &my_path, (w, h), ctx),
        Children::Scrolled(child) => {
            // A marquee's content may be larger than its window: that is why it scrolls.
            ctx.path = join(&my_path, "child");
            vec![compile_widget(child, 0, Rect::new(0, 0, w, h), true, ctx)]
        }
        Children::Inside(specs) => compile_list(
            specs,
            &join(&my_path, "children"),
            Rect::new(0, 0, w, h),
            true,
            ctx,
        ),
    }
}
