//! Logging and tracing: one subscriber for the process, pretty or JSON lines on standard error,
//! filtered by `log_level`, and spans exported over OTLP/HTTP when `otlp_endpoint` is set,
//! sampled at `trace_sample_ratio` (parent-based: a trace continued from a caller keeps the
//! caller's decision).
//!
//! Conventions: one readable message plus dotted fields (`player.id`, `ticket.id`,
//! `duration_ms`), units in the field name, an error logged once where it is handled, and never
//! a token, password or email. A JSON line carries its span and every enclosing one (`span`,
//! `spans`): the request's `request.id` or the event's `correlation_id`, and `trace_id` when
//! traces are exported.

pub mod backend_watch;
pub mod catalogue;
pub mod process;
pub mod trace_context;

use tracing::Subscriber;
use tracing_subscriber::{
    EnvFilter, Layer, fmt, layer::SubscriberExt, registry::LookupSpan, util::SubscriberInitExt,
};

use crate::settings::{LogFormat, Settings};

/// Keeps the trace exporter alive; dropping it flushes the spans not yet exported.
#[derive(Debug, Default)]
#[must_use = "dropping the guard stops and flushes trace export"]
pub struct Telemetry {
    provider: Option<opentelemetry_sdk::trace::SdkTracerProvider>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take()
            && let Err(error) = provider.shutdown()
        {
            eprintln!("rally: flushing traces failed: {error}");
        }
    }
}

/// Installs the process's subscriber. Call once, at the start of `main`, and keep the guard
/// until the process ends.
pub fn init(settings: &Settings) -> anyhow::Result<Telemetry> {
    let mut telemetry = Telemetry::default();
    let traces = match &settings.telemetry.otlp_endpoint {
        Some(endpoint) => {
            let (layer, provider) =
                otlp::layer(endpoint.expose(), settings.telemetry.trace_sample_ratio)?;
            telemetry.provider = Some(provider);
            Some(layer)
        }
        None => None,
    };
    // Layered, not in a list: a list of layers with filters of their own dropped the log lines
    // of spans one filter let through and the other did not.
    tracing_subscriber::registry()
        .with(traces)
        .with(log(settings)?)
        .try_init()?;
    Ok(telemetry)
}

/// The log lines' layer. `log_level` filters the log lines only: traces keep Rally's spans
/// whatever it is.
fn log<S>(settings: &Settings) -> anyhow::Result<Box<dyn Layer<S> + Send + Sync>>
where
    S: Subscriber + for<'span> LookupSpan<'span>,
{
    let filter = EnvFilter::try_new(&settings.telemetry.log_level)?;
    Ok(match settings.telemetry.log_format {
        LogFormat::Json => fmt::layer()
            .json()
            .flatten_event(true)
            // Every enclosing span, so a line written deep in a step still carries the request
            // id or correlation id and the trace id of the work it belongs to.
            .with_current_span(true)
            .with_span_list(true)
            .with_writer(std::io::stderr)
            .with_filter(filter)
            .boxed(),
        LogFormat::Pretty => fmt::layer()
            .with_writer(std::io::stderr)
            .with_filter(filter)
            .boxed(),
    })
}

/// The OTLP/HTTP span exporter.
pub mod otlp {
    use opentelemetry::trace::TracerProvider as _;
    use opentelemetry_otlp::{SpanExporter, WithExportConfig};
    use opentelemetry_sdk::{
        Resource,
        trace::{Sampler, SdkTracerProvider},
    };
    use tracing::{Level, Metadata, subscriber::Interest};
    use tracing_subscriber::{
        Layer, Registry,
        filter::{DynFilterFn, dynamic_filter_fn},
        layer::Context,
    };

    /// A tracing layer exporting Rally's spans to `endpoint` (the collector's base URL, such
    /// as `http://127.0.0.1:4318`; spans go to `<endpoint>/v1/traces`), recording
    /// `sample_ratio` of the traces started here, and its provider.
    pub fn layer(
        endpoint: &str,
        sample_ratio: f64,
    ) -> anyhow::Result<(Box<dyn Layer<Registry> + Send + Sync>, SdkTracerProvider)> {
        let exporter = SpanExporter::builder()
            .with_http()
            .with_endpoint(format!("{}/v1/traces", endpoint.trim_end_matches('/')))
            .build()?;
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_sampler(Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(
                sample_ratio,
            ))))
            .with_resource(Resource::builder().with_service_name("rally").build())
            .build();
        let tracer = provider.tracer("rally");
        // Rally's own spans at `info` and above, whatever `log_level` is: the libraries'
        // spans (a connection pool's, an HTTP client's) are theirs to trace.
        let layer = tracing_opentelemetry::layer()
            .with_tracer(tracer)
            .with_filter(rally_spans())
            .boxed();
        Ok((layer, provider))
    }

    /// Rally's own spans at `info` and above. Decided for each span rather than once per callsite:
    /// two layers whose filters each cached their answer per callsite lost log lines that one let
    /// through and the other did not.
    ///
    /// The store's spans (`db.transaction`, `db.query`) are exported only within a unit of work
    /// (a request, a round, an event): a poller's queries on their own, every few hundred
    /// milliseconds on an idle node, would bury the journeys in traces of one span each.
    #[allow(clippy::type_complexity)]
    fn rally_spans<S>() -> DynFilterFn<
        S,
        impl Fn(&Metadata<'_>, &Context<'_, S>) -> bool,
        impl Fn(&'static Metadata<'static>) -> Interest,
    >
    where
        S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    {
        dynamic_filter_fn(|metadata: &Metadata<'_>, context: &Context<'_, S>| {
            metadata.target().starts_with("rally")
                && *metadata.level() <= Level::INFO
                && (!metadata.name().starts_with("db.") || context.lookup_current().is_some())
        })
        .with_callsite_filter(|_| Interest::sometimes())
    }
}
