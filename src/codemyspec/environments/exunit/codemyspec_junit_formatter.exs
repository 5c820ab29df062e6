defmodule CodemyspecJUnitFormatter do
  @moduledoc """
  An ExUnit formatter that ships with codemyspec: it writes what each test came to as JUnit
  XML, so that codemyspec reads outcomes and messages rather than ExUnit's printed lines.

  It writes only when a suite finishes, one file per suite, into the directory named by
  CODEMYSPEC_EXUNIT_REPORT_DIR: an umbrella's `mix test` runs one suite per app, and a run
  that never finishes (a compile error, a crash before the tests) leaves no file, so a
  partial report cannot pass for a whole one. Without the variable it writes nothing.

  Plain Elixir and ExUnit only (no hex, no dependency): codemyspec compiles it with
  `elixirc` and has the test VM load it at boot, changing nothing in the project.
  """

  use GenServer

  @report_dir_env "CODEMYSPEC_EXUNIT_REPORT_DIR"
  @width 80

  @impl true
  def init(_opts), do: {:ok, %{cases: [], started: System.monotonic_time()}}

  @impl true
  def handle_cast({:test_finished, %ExUnit.Test{} = test}, state) do
    {:noreply, %{state | cases: [testcase(test) | state.cases]}}
  end

  def handle_cast({:suite_finished, _times_us}, state) do
    case System.get_env(@report_dir_env) do
      dir when dir in [nil, ""] -> :ok
      dir -> write(dir, Enum.reverse(state.cases), seconds_since(state.started))
    end

    {:noreply, state}
  end

  def handle_cast(_event, state), do: {:noreply, state}

  defp write(dir, cases, seconds) do
    name = suite_name()
    count = fn kind -> Enum.count(cases, &(elem(&1, 0) == kind)) end

    xml = [
      ~s(<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n),
      ~s(<testsuite name="#{attr(name)}" tests="#{length(cases)}" ),
      ~s(failures="#{count.(:failure)}" errors="#{count.(:error)}" ),
      ~s(skipped="#{count.(:skipped)}" time="#{decimal(seconds)}">\n),
      Enum.map(cases, &elem(&1, 1)),
      "</testsuite>\n</testsuites>\n"
    ]

    # Renamed into place whole, so a reader never meets half a file.
    File.mkdir_p!(dir)
    unique = "#{name}-#{System.pid()}-#{System.unique_integer([:positive])}"
    partial = Path.join(dir, unique <> ".partial")
    File.write!(partial, xml)
    File.rename!(partial, Path.join(dir, unique <> ".xml"))
  end

  # The app whose suite this is (an umbrella runs one per app); Mix is absent under `elixir`.
  defp suite_name do
    app = if Code.ensure_loaded?(Mix.Project), do: apply(Mix.Project, :config, [])[:app]
    to_string(app || "suite")
  end

  defp testcase(%ExUnit.Test{} = test) do
    {kind, body} = outcome(test)
    type = Map.get(test.tags, :test_type, :test)
    name = String.replace_prefix(to_string(test.name), "#{type} ", "")
    file = test.tags |> Map.get(:file, "") |> Path.relative_to_cwd()

    attributes =
      ~s(classname="#{attr(inspect(test.module))}" name="#{attr(name)}" ) <>
        ~s(file="#{attr(file)}" line="#{Map.get(test.tags, :line, 0)}" ) <>
        ~s(time="#{decimal((test.time || 0) / 1_000_000)}")

    case body do
      nil -> {kind, ["  <testcase ", attributes, "/>\n"]}
      body -> {kind, ["  <testcase ", attributes, ">\n    ", body, "\n  </testcase>\n"]}
    end
  end

  defp outcome(%ExUnit.Test{state: nil}), do: {:passed, nil}

  defp outcome(%ExUnit.Test{state: {:failed, failures}} = test) do
    printed = ExUnit.Formatter.format_test_failure(test, failures, 1, @width, &plain/2)
    {:failure, problem("failure", message(failures), printed)}
  end

  # A failed setup_all invalidates every test of its module: each is an error with its cause.
  defp outcome(%ExUnit.Test{state: {:invalid, module}}) do
    failures =
      case module do
        %{state: {:failed, failures}} -> failures
        _ -> []
      end

    printed = ExUnit.Formatter.format_test_all_failure(module, failures, 1, @width, &plain/2)
    why = if failures == [], do: "the module's setup_all failed", else: message(failures)
    {:error, problem("error", "failure on setup_all callback: " <> why, printed)}
  end

  defp outcome(%ExUnit.Test{state: {why, reason}}) when why in [:skipped, :excluded] do
    {:skipped, ~s(<skipped message="#{attr("#{why}: #{reason}")}"/>)}
  end

  defp problem(tag, message, printed) do
    ~s(<#{tag} message="#{attr(message)}">#{text(printed)}</#{tag}>)
  end

  # ExUnit's formatter asks how to colour each part; the answer is: not at all.
  defp plain(:diff_enabled?, _default), do: false
  defp plain(_key, printed), do: printed

  # One line per failure, the way ExUnit prints it: the assertion, its code, left and right.
  defp message(failures), do: Enum.map_join(failures, "; ", &one_message/1)

  defp one_message({:error, %ExUnit.AssertionError{} = error, _stack}) do
    no_value = ExUnit.AssertionError.no_value()

    shown =
      for {label, value, show} <- [
            {"code", error.expr, &Macro.to_string/1},
            {"left", error.left, &inspect/1},
            {"right", error.right, &inspect/1}
          ],
          value != no_value,
          do: "#{label}: #{show.(value)}"

    Enum.join([error.message | shown], "; ")
  end

  defp one_message({kind, reason, stack}), do: Exception.format_banner(kind, reason, stack)

  defp seconds_since(started) do
    System.convert_time_unit(System.monotonic_time() - started, :native, :microsecond) /
      1_000_000
  end

  defp decimal(seconds), do: :erlang.float_to_binary(seconds / 1, decimals: 6)

  # An attribute keeps its line breaks only as character references.
  defp attr(value) do
    value
    |> text()
    |> String.replace("\"", "&quot;")
    |> String.replace("\n", "&#10;")
    |> String.replace("\r", "&#13;")
    |> String.replace("\t", "&#9;")
  end

  # XML 1.0 cannot hold control characters at all (a terminal colour code in an exception's
  # message): they are written as \xNN, and bytes that are not UTF-8 as "?".
  defp text(value) do
    value
    |> to_string()
    |> String.chunk(:valid)
    |> Enum.map_join(fn chunk ->
      if String.valid?(chunk),
        do: escape(chunk),
        else: String.duplicate("?", byte_size(chunk))
    end)
  end

  defp escape(chunk) do
    escaped =
      chunk
      |> String.replace("&", "&amp;")
      |> String.replace("<", "&lt;")
      |> String.replace(">", "&gt;")

    Regex.replace(~r/[\x00-\x08\x0B\x0C\x0E-\x1F]/, escaped, fn c -> "\\x" <> Base.encode16(c) end)
  end
end
