using Microsoft.ML.Lrp.Graph;

namespace Microsoft.ML.Lrp.Promises;

/// <summary>
/// The relevance pass of one model, planned once: the steps (output to input), every value a rule could read, the
/// shapes of every value involved, and — once shapes are known — the static <see cref="PromiseSchedule"/> that says
/// what ONNX Runtime hands back, what is rebuilt, and in which order everything runs.
/// </summary>
internal sealed class RelevancePlan
{
    private readonly Dictionary<string, LrpNode> _sideProducers = new(StringComparer.Ordinal);
    private readonly Dictionary<LrpNode, int> _replayIndex = [];

    public RelevancePlan(CanonicalGraph graph, IReadOnlyList<RelevanceStep> steps, IReadOnlyList<string> readValues, IReadOnlyList<string> shapeProbes, ShapeTable shapes, IReadOnlyList<LrpNode>? sideNodes = null)
    {
        SideNodes = sideNodes ?? [];
        for (int i = 0; i < graph.RelevanceNodes.Count; i++)
        {
            _replayIndex[graph.RelevanceNodes[i]] = i;
        }

        for (int i = 0; i < SideNodes.Count; i++)
        {
            _sideProducers[SideNodes[i].Outputs[0]] = SideNodes[i];
            _replayIndex[SideNodes[i]] = graph.RelevanceNodes.Count + i;
        }

        Graph = graph;
        Steps = steps;
        ReadValues = readValues;
        ShapeProbes = shapeProbes;
        Shapes = shapes;
    }

    public CanonicalGraph Graph { get; }

    /// <summary>Side-path nodes a promise may replay (<see cref="SidePaths"/>), in topological order.</summary>
    public IReadOnlyList<LrpNode> SideNodes { get; }

    /// <summary>The node a promise of <paramref name="value"/> replays: its relevance producer, else its replayable side-path producer.</summary>
    public LrpNode? Producer(string value) => Graph.RelevanceProducer(value) ?? _sideProducers.GetValueOrDefault(value);

    /// <summary>A replay action's node: indices below the relevance node count name relevance nodes, the rest <see cref="SideNodes"/>.</summary>
    public LrpNode ReplayNode(int index) => index < Graph.RelevanceNodes.Count ? Graph.RelevanceNodes[index] : SideNodes[index - Graph.RelevanceNodes.Count];

    /// <summary>True when <paramref name="index"/> names a node <see cref="ReplayNode"/> can return.</summary>
    public bool IsReplayIndex(int index) => index >= 0 && index < Graph.RelevanceNodes.Count + SideNodes.Count;

    public int ReplayIndex(LrpNode node) => _replayIndex[node];

    /// <summary>Steps in reverse topological order of the graph (the schedule may group fast-forwarded chains).</summary>
    public IReadOnlyList<RelevanceStep> Steps { get; }

    /// <summary>Every non-constant value a rule reads (activations and computed parameters): what <see cref="LrpCapturePolicy.CaptureAll"/> captures.</summary>
    public IReadOnlyList<string> ReadValues { get; }

    /// <summary>Values whose shapes are learnt once, when the plan is built.</summary>
    public IReadOnlyList<string> ShapeProbes { get; }

    public ShapeTable Shapes { get; }

    /// <summary>The schedule; set once shapes are known.</summary>
    public PromiseSchedule Schedule { get; private set; } = new();

    /// <summary>Values ONNX Runtime returns at run time besides the explained output.</summary>
    public IReadOnlyList<string> Captures => Schedule.Captures;

    /// <summary>Plans the schedule under <paramref name="policy"/>, or adopts a stored one after checking it against the graph.</summary>
    public void SetSchedule(LrpCapturePolicy policy, PromiseSchedule? stored)
    {
        if (stored is not null)
        {
            ScheduleValidator.Validate(this, stored);
            Schedule = stored;
        }
        else
        {
            Schedule = PromisePlanner.Build(this, policy);
        }
    }

    /// <summary>
    /// Tensors whose relevance the pass must see (relevance outputs, conditions): no fast-forwarded chain runs
    /// through them. Set before the schedule.
    /// </summary>
    public IReadOnlySet<string> KeptRelevance { get; set; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Composed index maps of fast-forwarded chains, per action and batch size.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<(int Action, int Batch), int[]> FastForwardMaps { get; } = new();

    /// <summary>Index maps of routing replays whose parameters depend only on constants and shapes, per node and batch size.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<(string Node, int Batch), int[]> ReplayMaps { get; } = new();

    /// <summary>Whether a replayed routing node's parameters depend only on constants and shapes (its map may be kept), per node.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, bool> ReplayParametersFixed { get; } = new(StringComparer.Ordinal);

    public LrpPlanStatistics Statistics() => ScheduleStatistics.Compute(this, Schedule);
}
